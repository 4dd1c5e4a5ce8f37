using ImdbExperiments.Modeling;
using ImdbExperiments.Text;
using ImdbExperiments.Training;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Training;

/// <summary>Training on each fp32 GEMM path: deterministic on its own, and the same model as libtorch's to fp32 rounding.</summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class GemmPathTrainingTests : IDisposable
{
    private readonly TrainingData _data = new();

    public void Dispose() => _data.Dispose();

    private (TrainingResult Result, string[] History) Train(GemmPath path, string name)
    {
        using var _ = GemmSelection.Force(path);
        var folder = _data.Folder(name);
        using var model = TrainingData.NewModel();
        using var train = TokenFile.Open(_data.TrainPath);
        using var validation = TokenFile.Open(_data.ValidationPath);
        var result = new Trainer(TrainingData.Spec with { Epochs = 1 }, 3).Train(model, train, validation, folder, _data.Export, null, CancellationToken.None);
        // The losses and metrics of every step and evaluation, without the timing fields.
        var history = File.ReadAllLines(Path.Combine(folder, "history.jsonl"))
            .Select(line => System.Text.RegularExpressions.Regex.Replace(line, @",""(examples_per_second|eval_seconds)"":[^,}]*,""timestamp"":\d+\}$", "}")).ToArray();
        return (result, history);
    }

    [Fact]
    public void Train_OnTheMklPath_IsDeterministicForTheSameSeed()
    {
        var (a, first) = Train(GemmPath.Mkl, "a");
        var (b, second) = Train(GemmPath.Mkl, "b");

        Assert.Equal(first, second);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.BestModelFolder, "model.safetensors")), File.ReadAllBytes(Path.Combine(b.BestModelFolder, "model.safetensors")));
    }

    [OpenBlasFact]
    public void Train_OnTheOpenBlasPath_IsDeterministicForTheSameSeed()
    {
        var (a, first) = Train(GemmPath.OpenBlas, "a");
        var (b, second) = Train(GemmPath.OpenBlas, "b");

        Assert.Equal(first, second);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.BestModelFolder, "model.safetensors")), File.ReadAllBytes(Path.Combine(b.BestModelFolder, "model.safetensors")));
    }

    [OpenBlasFact]
    public void Train_OnTheOpenBlasPath_EndsWhereLibTorchsEnds_WithinFp32Rounding()
    {
        var (mkl, _) = Train(GemmPath.Mkl, "mkl");
        var (openBlas, _) = Train(GemmPath.OpenBlas, "openblas");

        // Different summation orders: the losses agree to fp32 rounding carried through one epoch, not bit for bit.
        Assert.Equal(mkl.BestMetrics.Loss, openBlas.BestMetrics.Loss, 3);
        Assert.Equal(mkl.BestMetrics.Accuracy, openBlas.BestMetrics.Accuracy, 6);
    }
}
