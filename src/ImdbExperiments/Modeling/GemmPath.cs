namespace ImdbExperiments.Modeling;

/// <summary>Who computes the fp32 products of the Linear layers (forward and both backward products).</summary>
public enum GemmPath
{
    /// <summary>libtorch's own matmul: the oneMKL sgemm it ships (bf16 goes through libtorch whatever the path).</summary>
    Mkl,
    /// <summary>OpenBLAS's cblas_sgemm called directly on the tensors' buffers (<see cref="BlasLinear"/>).</summary>
    OpenBlas,
}
