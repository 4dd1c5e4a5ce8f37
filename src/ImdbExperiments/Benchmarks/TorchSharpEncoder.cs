using ImdbExperiments.Modeling;
using static TorchSharp.torch;

namespace ImdbExperiments.Benchmarks;

/// <summary>Our <see cref="BertModel"/> in fp32 on the CPU, as Evaluator.Run runs it: eval mode (fused attention, no dropout), inference mode.</summary>
public sealed class TorchSharpEncoder : IEncoderEngine
{
    readonly HfCheckpoint _checkpoint;
    readonly BertModel _model;

    public TorchSharpEncoder(string modelFolder)
    {
        _checkpoint = HfModelFolder.Load(modelFolder);
        try
        {
            _model = new BertModel(_checkpoint.Config);
            _model.LoadWeights(_checkpoint.Weights, seed: 0, _checkpoint.WeightsPath);
            _model.eval();
        }
        catch
        {
            // A folder whose weights do not fit its config must not leave its tensors behind.
            _model?.Dispose();
            _checkpoint.Dispose();
            throw;
        }
    }

    public string Name => "torchsharp";

    public void Forward(EncoderBatch batch)
    {
        using var _ = inference_mode();
        using var scope = NewDisposeScope();
        Call(batch);
    }

    public float[] LastHiddenState(EncoderBatch batch)
    {
        using var _ = inference_mode();
        using var scope = NewDisposeScope();
        return Call(batch).contiguous().data<float>().ToArray();
    }

    Tensor Call(EncoderBatch batch)
    {
        var ids = tensor(batch.Ids, batch.Batch, batch.Length);
        var mask = tensor(batch.Mask, batch.Batch, batch.Length);
        var types = tensor(batch.Types, batch.Batch, batch.Length);
        return _model.call(ids, mask, types).LastHiddenState;                                          // (B, T, H)
    }

    public void Dispose()
    {
        _model.Dispose();
        _checkpoint.Dispose();
    }
}
