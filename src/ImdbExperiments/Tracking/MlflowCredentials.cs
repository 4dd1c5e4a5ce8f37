using System.Net.Http.Headers;
using System.Text;

namespace ImdbExperiments.Tracking;

/// <summary>
/// Credentials for an MLflow server, from MLflow's own environment variables: MLFLOW_TRACKING_TOKEN (bearer)
/// or MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (basic). The secret is only ever put into the
/// Authorization header; <see cref="ToString"/> never shows it.
/// </summary>
public sealed class MlflowCredentials
{
    public const string TokenVariable = "MLFLOW_TRACKING_TOKEN";
    public const string UsernameVariable = "MLFLOW_TRACKING_USERNAME";
    public const string PasswordVariable = "MLFLOW_TRACKING_PASSWORD";

    private readonly string _scheme;
    private readonly string _parameter;
    private readonly string _description;

    private MlflowCredentials(string scheme, string parameter, string description, IReadOnlyList<string> secrets)
    {
        _scheme = scheme;
        _parameter = parameter;
        _description = description;
        Secrets = secrets;
    }

    public static MlflowCredentials Bearer(string token) =>
        new("Bearer", token, "bearer token (hidden)", [token]);

    public static MlflowCredentials Basic(string username, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password)),
            "basic authentication (password hidden)", [password, Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password))]);

    /// <summary>The token if MLFLOW_TRACKING_TOKEN is set, else basic credentials if both username and password are set, else null.</summary>
    public static MlflowCredentials? FromEnvironment(Func<string, string?> getVariable)
    {
        var token = getVariable(TokenVariable);
        if (!string.IsNullOrEmpty(token))
            return Bearer(token);
        var username = getVariable(UsernameVariable);
        var password = getVariable(PasswordVariable);
        if (!string.IsNullOrEmpty(username) && !string.IsNullOrEmpty(password))
            return Basic(username, password);
        return null;
    }

    /// <summary>Every string that must never be written anywhere (token, password, encoded basic credentials).</summary>
    internal IReadOnlyList<string> Secrets { get; }

    internal AuthenticationHeaderValue Header => new(_scheme, _parameter);

    public override string ToString() => _description;
}
