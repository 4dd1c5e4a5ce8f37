namespace ImdbExperiments.Tracking;

/// <summary>
/// Sends one <see cref="LoggedModelEvent"/> in MLflow 3's order (mlflow/models/model.py Model.log: _create_logged_model
/// PENDING with params and tags, log_outputs naming it at its step among the run's outputs, its metrics, its artifacts with the
/// MLmodel file under the model's own artifact location and nowhere under the run's, finalize READY), remembering the model
/// id and the output in <see cref="LoggedModelAck"/> as each is sent so that no replay creates either twice.
/// </summary>
internal static class LoggedModelSender
{
    public static async Task SendAsync(RunJournal journal, ITrackingBackend backend, RunInfo run, LoggedModelEvent model, CancellationToken cancellationToken)
    {
        var known = LoggedModelAck.Find(journal.RunFolder, journal.JournalFile, model.Key);
        if (known is { Ready: true })
        {
            // Finalized before runs/outputs was sent (an older tracker): only the output is missing.
            if (!known.OutputLogged)
                await LogOutputAsync(journal, backend, run, model, known, cancellationToken);
            return;
        }
        LoggedModelInfo info;
        if (known is null)
        {
            info = await backend.CreateLoggedModelAsync(run.ExperimentId, model.Name, run.RunId, model.ModelType, cancellationToken);
            known = new LoggedModelAck.Entry(info.ModelId, info.ExperimentId, info.ArtifactUri, Ready: false);
            LoggedModelAck.Save(journal.RunFolder, journal.JournalFile, model.Key, known);
        }
        else
        {
            info = new LoggedModelInfo(known.ModelId, known.ExperimentId, model.Name, known.ArtifactUri, run.RunId);
        }
        if (model.Parameters.Count > 0)
            await backend.LogLoggedModelParamsAsync(info.ModelId, model.Parameters, cancellationToken);
        if (model.Tags.Count > 0)
            await backend.SetLoggedModelTagsAsync(info.ModelId, model.Tags, cancellationToken);
        if (!known.OutputLogged)
            known = await LogOutputAsync(journal, backend, run, model, known, cancellationToken);
        if (model.Metrics.Count > 0)
            await backend.LogLoggedModelMetricsAsync(run.RunId, info.ModelId, model.Metrics, model.DatasetName, model.DatasetDigest, cancellationToken);

        var folder = journal.ResolveLocalPath(model.LocalFolder);
        if (!Directory.Exists(folder))
            throw new TrackingException($"Model folder '{folder}' of run '{run.RunName}' no longer exists; the LoggedModel {info.ModelId} stays PENDING.", "RESOURCE_DOES_NOT_EXIST");
        MlflowModelFile.Write(folder, info.ModelId, run.RunId, model.Name, ArchitectureOf(folder), DateTimeOffset.FromUnixTimeMilliseconds(model.TimeMs));
        await backend.LogLoggedModelArtifactsAsync(info, folder, cancellationToken);
        await backend.FinalizeLoggedModelAsync(info.ModelId, cancellationToken);
        LoggedModelAck.Save(journal.RunFolder, journal.JournalFile, model.Key, known with { Ready = true });
    }

    private static async Task<LoggedModelAck.Entry> LogOutputAsync(RunJournal journal, ITrackingBackend backend, RunInfo run, LoggedModelEvent model,
        LoggedModelAck.Entry known, CancellationToken cancellationToken)
    {
        await backend.LogOutputsAsync(run.RunId, [new LoggedModelOutput(known.ModelId, model.Step)], cancellationToken);
        var logged = known with { OutputLogged = true };
        LoggedModelAck.Save(journal.RunFolder, journal.JournalFile, model.Key, logged);
        return logged;
    }

    // config.json's architectures[0], as build_flavor_config_from_local_checkpoint reads it.
    private static string ArchitectureOf(string folder)
    {
        var config = Path.Combine(folder, MlflowModelFile.ModelFolder, "config.json");
        try
        {
            if (File.Exists(config) && new FileInfo(config).Length < 1 << 20 &&
                System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))?["architectures"]?[0]?.GetValue<string>() is { Length: > 0 } architecture)
                return architecture;
        }
        catch (Exception exception) when (exception is System.Text.Json.JsonException or InvalidOperationException)
        {
            // Falls back to the class this project trains.
        }
        return "BertForSequenceClassification";
    }
}
