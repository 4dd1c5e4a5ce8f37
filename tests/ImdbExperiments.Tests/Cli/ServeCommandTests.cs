using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tests.Training;

namespace ImdbExperiments.Tests.Cli;

/// <summary>imdbx serve as a user runs it: a free port, one startup line, a request, SIGTERM, exit 0.</summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class ServeCommandTests
{
    [UnixFact]
    public async Task Serve_AnswersInvocations_AndExitsZeroOnSigterm()
    {
        using var data = new TrainingData(trainCount: 4, validationCount: 4);
        using var project = new TempFolder();
        using (var model = TrainingData.NewModel())
            HfModelFolder.Save(model, model.Config, data.VocabPath, project.Combine("run", "model"), doLowerCase: true);
        using var process = ImdbxProcess.Start(project.Path, "serve", "--model", project.Combine("run"), "--port", "0", "--max-batch", "4");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();

        var startup = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException($"no startup line: {await stderr}");
        var url = Regex.Match(startup, @"at (http://127\.0\.0\.1:\d+/)").Groups[1].Value;
        Assert.Contains(project.Combine("run", "model"), startup);
        Assert.Contains("max batch 4", startup);
        using (var http = new HttpClient())
        {
            using var response = await http.PostAsync(new Uri(new Uri(url), "invocations"),
                new StringContent("""{"inputs": ["great w1 w2", "awful w3"]}""", Encoding.UTF8, new MediaTypeHeaderValue("application/json")));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            Assert.Equal(2, JsonDocument.Parse(body).RootElement.GetProperty("predictions").GetArrayLength());
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            await kill.WaitForExitAsync();
        await process.WaitForExitAsync();
        var errors = await stderr;

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{errors}");
        Assert.Contains("imdbx serve: stopped (SIGTERM)", errors);
        Assert.DoesNotContain("   at ", errors);
    }

    [Theory]
    [InlineData("--port", "70000", 2, "--port 70000 is not valid; allowed: a whole number from 0 to 65535")]  // while parsing: Cli/CheckedOptions.cs
    [InlineData("--max-batch", "0", 2, "--max-batch 0 is not valid; allowed: a whole number from 1 to 4096")]
    [InlineData("--host", "example.invalid", 1, "--host example.invalid: allowed an IP address")]
    public void Serve_RefusesABadOptionInOneLine(string option, string value, int exitCode, string expected)
    {
        using var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("model"));

        var (code, _, stderr) = ImdbxProcess.Run(project.Path, "serve", "--model", project.Combine("model"), option, value);

        Assert.Equal(exitCode, code);
        Assert.Equal($"error: {expected}", stderr.Trim().Split('\n').Single()[..(expected.Length + 7)]);
    }
}
