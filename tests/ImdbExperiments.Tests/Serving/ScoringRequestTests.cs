using System.Text;
using ImdbExperiments.Serving;

namespace ImdbExperiments.Tests.Serving;

// The request shapes, content types and error codes follow MLflow's scoring server, mlflow/pyfunc/scoring_server/__init__.py:
// infer_and_parse_data (exactly one of inputs, instances, dataframe_split, dataframe_records), parse_csv_input
// (pandas.read_csv: a header row), invocations (415 for another content type or a charset other than utf-8) and
// MlflowInvalidInputException in mlflow/utils/proto_json_utils.py (BAD_REQUEST, "Invalid input. ...").
public sealed class ScoringRequestTests
{
    private static IReadOnlyList<string> Parse(string body, string contentType = ScoringRequest.Json, int maxTextChars = 1000) =>
        ScoringRequest.Parse(contentType, Encoding.UTF8.GetBytes(body), maxTextChars);

    [Theory]
    [InlineData("""{"inputs": ["good film", "bad film", "so-so"]}""")]
    [InlineData("""{"instances": ["good film", "bad film", "so-so"]}""")]
    [InlineData("""{"inputs": [{"text": "good film"}, {"text": "bad film"}, {"text": "so-so"}]}""")]
    [InlineData("""{"instances": [{"review": "good film"}, {"review": "bad film"}, {"review": "so-so"}]}""")]
    [InlineData("""{"inputs": {"text": ["good film", "bad film", "so-so"]}}""")]
    [InlineData("""{"dataframe_split": {"columns": ["id", "text"], "data": [[1, "good film"], [2, "bad film"], [3, "so-so"]]}}""")]
    [InlineData("""{"dataframe_split": {"index": [0, 1, 2], "columns": ["review"], "data": [["good film"], ["bad film"], ["so-so"]]}}""")]
    [InlineData("""{"dataframe_records": [{"id": 1, "text": "good film"}, {"id": 2, "text": "bad film"}, {"id": 3, "text": "so-so"}]}""")]
    [InlineData("""{"dataframe_records": [{"review": "good film"}, {"review": "bad film"}, {"review": "so-so"}], "params": {"x": 1}}""")]
    public void Parse_ReadsTheTextsOfEveryMlflowJsonShapeInOrder(string body)
    {
        Assert.Equal(["good film", "bad film", "so-so"], Parse(body));
    }

    [Fact]
    public void Parse_ReadsTheTextColumnOfACsvWithQuotesCommasAndLineBreaks()
    {
        // As pandas.DataFrame.to_csv writes it: quoted fields, doubled quotes, CRLF, a line break inside a field.
        var csv = "id,text\r\n1,\"Great, really \"\"great\"\" film\"\r\n2,\"Two\nlines\"\r\n3,plain\r\n";

        Assert.Equal(["Great, really \"great\" film", "Two\nlines", "plain"], Parse(csv, "text/csv; charset=utf-8"));
    }

    [Fact]
    public void Parse_ReadsTheOnlyColumnOfACsv()
    {
        Assert.Equal(["one", "two"], Parse("review\none\ntwo\n", ScoringRequest.Csv));
    }

    [Theory]
    [InlineData("{not json", "valid JSON")]
    [InlineData("""["a", "b"]""", "Received a list")]
    [InlineData("""{"inputs": ["a"], "instances": ["b"]}""", "exactly one of the input fields")]
    [InlineData("""{"data": ["a"]}""", "exactly one of the input fields")]
    [InlineData("""{"inputs": ["a", 3]}""", "inputs[1] is number")]
    [InlineData("""{"inputs": ["a", "  "]}""", "Text 1 is empty")]
    [InlineData("""{"inputs": []}""", "No texts")]
    [InlineData("""{"dataframe_records": [{"a": "x", "b": "y"}]}""", "name the column of texts 'text'")]
    [InlineData("""{"dataframe_split": {"columns": ["text"], "data": [["a", "b"]]}}""", "data[0] must be a list of 1 values")]
    public void Parse_RefusesAMalformedBodyAsMlflowsBadRequest(string body, string expected)
    {
        var e = Assert.Throws<ScoringException>(() => Parse(body));

        Assert.Equal(400, e.Status);
        Assert.Equal("BAD_REQUEST", e.ErrorCode);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json; charset=latin-1")]
    [InlineData("application/json; format=pandas-split")]
    [InlineData(null)]
    public void Parse_RefusesAnotherContentTypeWith415(string? contentType)
    {
        var e = Assert.Throws<ScoringException>(() => ScoringRequest.Parse(contentType, "{\"inputs\": [\"a\"]}"u8, 1000));

        Assert.Equal(415, e.Status);
    }

    [Fact]
    public void Parse_RefusesATextLongerThanTheLimitNamingIt()
    {
        var e = Assert.Throws<ScoringException>(() => Parse("""{"inputs": ["short", "0123456789x"]}""", maxTextChars: 10));

        Assert.Equal(400, e.Status);
        Assert.Contains("Text 1 has 11 characters; at most 10", e.Message);
    }

    [Fact]
    public void Parse_RefusesInvalidUtf8()
    {
        var e = Assert.Throws<ScoringException>(() => ScoringRequest.Parse(ScoringRequest.Json, [(byte)'{', 0xC3, 0x28, (byte)'}'], 1000));

        Assert.Equal(400, e.Status);
        Assert.Contains("UTF-8", e.Message);
    }

    [Fact]
    public void Parse_RefusesAnUnclosedCsvQuote()
    {
        var e = Assert.Throws<ScoringException>(() => Parse("text\n\"open", ScoringRequest.Csv));

        Assert.Equal(400, e.Status);
    }
}
