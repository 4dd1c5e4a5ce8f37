namespace ImdbExperiments.Tracking;

/// <summary>
/// Sends one <see cref="LoggedModelEvent"/> in MLflow 3's order (mlflow/tracking/fluent.py _create_logged_model, then
/// log_model: create PENDING, params and tags, metrics, artifacts with the MLmodel file, finalize READY), remembering the
/// model id in <see cref="LoggedModelAck"/> right after it is created so that no replay creates it twice.
/// </summary>
internal static class LoggedModelSender
{
    public static async Task SendAsync(RunJournal journal, ITrackingBackend backend, RunInfo run, LoggedModelEvent model, CancellationToken cancellationToken)
    {
        var known = LoggedModelAck.Find(journal.RunFolder, journal.JournalFile, model.Key);
        if (known is { Ready: true })
            return;
        LoggedModelInfo info;
        if (known is null)
        {
            info = await backend.CreateLoggedModelAsync(run.ExperimentId, model.Name, run.RunId, model.ModelType, cancellationToken);
            LoggedModelAck.Save(journal.RunFolder, journal.JournalFile, model.Key, new LoggedModelAck.Entry(info.ModelId, info.ExperimentId, info.ArtifactUri, Ready: false));
        }
        else
        {
            info = new LoggedModelInfo(known.ModelId, known.ExperimentId, model.Name, known.ArtifactUri, run.RunId);
        }
        if (model.Parameters.Count > 0)
            await backend.LogLoggedModelParamsAsync(info.ModelId, model.Parameters, cancellationToken);
        if (model.Tags.Count > 0)
            await backend.SetLoggedModelTagsAsync(info.ModelId, model.Tags, cancellationToken);
        if (model.Metrics.Count > 0)
            await backend.LogLoggedModelMetricsAsync(run.RunId, info.ModelId, model.Metrics, model.DatasetName, model.DatasetDigest, cancellationToken);

        var folder = journal.ResolveLocalPath(model.LocalFolder);
        if (!Directory.Exists(folder))
            throw new TrackingException($"Model folder '{folder}' of run '{run.RunName}' no longer exists; the LoggedModel {info.ModelId} stays PENDING.", "RESOURCE_DOES_NOT_EXIST");
        MlflowModelFile.Write(folder, info.ModelId, run.RunId, model.Name, ArchitectureOf(folder), DateTimeOffset.FromUnixTimeMilliseconds(model.TimeMs));
        await backend.LogLoggedModelArtifactsAsync(info, folder, cancellationToken);
        await backend.FinalizeLoggedModelAsync(info.ModelId, cancellationToken);
        LoggedModelAck.Save(journal.RunFolder, journal.JournalFile, model.Key, new LoggedModelAck.Entry(info.ModelId, info.ExperimentId, info.ArtifactUri, Ready: true));
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
