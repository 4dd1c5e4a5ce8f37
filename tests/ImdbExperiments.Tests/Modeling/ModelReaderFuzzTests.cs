using System.Buffers.Binary;
using System.Text;
using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Text;
using static TorchSharp.torch;

namespace ImdbExperiments.Tests.Modeling;

/// <summary>
/// A seeded fuzz corpus for the model-folder readers: mutations of a valid tiny file (bit flips, truncations, huge
/// lengths, wrong dtypes, overlapping offsets, extreme numbers, deep JSON). Every input either loads or throws our own
/// clear exception, in one line that names the file, with managed allocation bounded by the file's size; a failing case
/// names its seed and mutation so it can be replayed.
/// </summary>
public sealed class ModelReaderFuzzTests
{
    private const int Seed = 20_261_201;
    private const int Cases = 160;

    // Bytes a reader may allocate for an input: a fixed allowance plus a multiple of the input's size.
    private const long AllocationAllowance = 4L << 20;
    private const long AllocationPerInputByte = 256;

    private static readonly BertConfig Tiny = new()
    {
        VocabSize = 8, HiddenSize = 4, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 8,
        MaxPositionEmbeddings = 6, TypeVocabSize = 2, Labels = ["NEGATIVE", "POSITIVE"],
    };

    private static readonly string[] ExtremeJsonValues =
        ["1e308", "-1", "0", "1.5", "9223372036854775807", "18446744073709551616", "-9223372036854775809", "1e9", "\"x\"", "null", "[]", "{}", "true", "[0,0]", "[-1,5]"];

    [Fact(Timeout = 120_000)]
    public Task Safetensors_EveryMutationLoadsOrIsOneClearLine() => Task.Run(() =>
    {
        using var temp = new TempFolder();
        var seedFile = temp.Combine("seed.safetensors");
        using (var a = arange(12, dtype: ScalarType.Float32).reshape(3, 4))
        using (var b = tensor(new long[] { 7, -7 }))
        using (var c = ones(2, 2, dtype: ScalarType.BFloat16))
        using (var d = empty(0, dtype: ScalarType.Byte))
            SafetensorsFile.Write(seedFile, [new("a", a), new("b", b), new("c", c), new("d", d)]);
        var seed = File.ReadAllBytes(seedFile);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(seed);
        var header = Encoding.UTF8.GetString(seed, 8, headerLength);
        var data = seed[(8 + headerLength)..];

        Fuzz(temp, "model.safetensors", rng => rng.Next(3) == 0
                ? ("bytes", MutateBytes(seed, rng))
                : ("header", Safetensors(MutateJson(header, rng, ["F32", "I64", "BF16", "U8", "F8_E4M3", "C64", "BOOL"]), data)),
            path =>
            {
                foreach (var t in SafetensorsFile.Read(path).Values)
                    t.Dispose();
            });
    });

    [Fact(Timeout = 120_000)]
    public Task Onnx_EveryMutationImportsOrIsOneClearLine() => Task.Run(() =>
    {
        using var temp = new TempFolder();
        var vocab = temp.Combine("vocab.txt");
        File.WriteAllText(vocab, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\n");
        var initializers = BertCheckpointLoader.ClassifierShapes(Tiny)
            .Select(p => (p.Key, p.Value, Enumerable.Range(0, (int)p.Value.Aggregate(1L, (n, d) => n * d)).Select(i => i / 100f).ToArray()))
            .ToArray();
        var seed = File.ReadAllBytes(OnnxBertImporterTests.WriteOnnx(temp.Combine("seed.onnx"), initializers, [("Erf", ["x"], ["y"])]));
        OnnxBertImporter.Import(temp.Combine("seed.onnx"), vocab, temp.Combine("seed-out"), numAttentionHeads: 2);

        Fuzz(temp, "model.onnx", rng => ("bytes", MutateBytes(seed, rng)),
            path => OnnxBertImporter.Import(path, vocab, temp.Combine("out"), numAttentionHeads: 2));
    });

    [Fact(Timeout = 120_000)]
    public Task ConfigJson_EveryMutationLoadsOrIsOneClearLine() => Task.Run(() =>
    {
        using var temp = new TempFolder();
        var folder = SaveTinyFolder(temp);
        var seed = File.ReadAllText(Path.Combine(folder, "config.json"));

        Fuzz(temp, Path.Combine("m", "config.json"), rng => rng.Next(4) == 0
                ? ("bytes", MutateBytes(Encoding.UTF8.GetBytes(seed), rng))
                : ("json", Encoding.UTF8.GetBytes(MutateJson(seed, rng, ["bert", "gelu", "absolute", "roberta", ""]))),
            path => HfModelFolder.Validate(folder));
    });

    [Fact(Timeout = 120_000)]
    public Task TokenizerConfigJson_EveryMutationLoadsOrIsOneClearLine() => Task.Run(() =>
    {
        using var temp = new TempFolder();
        var folder = SaveTinyFolder(temp);
        var seed = File.ReadAllText(Path.Combine(folder, "tokenizer_config.json"));

        Fuzz(temp, Path.Combine("m", "tokenizer_config.json"), rng => rng.Next(4) == 0
                ? ("bytes", MutateBytes(Encoding.UTF8.GetBytes(seed), rng))
                : ("json", Encoding.UTF8.GetBytes(MutateJson(seed, rng, ["[CLS]", "BertTokenizer", ""]))),
            path => HfModelFolder.Validate(folder));
    });

    [Fact(Timeout = 120_000)]
    public Task VocabTxt_EveryMutationLoadsOrIsOneClearLine() => Task.Run(() =>
    {
        using var temp = new TempFolder();
        var folder = SaveTinyFolder(temp);
        var seed = File.ReadAllBytes(Path.Combine(folder, "vocab.txt"));

        Fuzz(temp, Path.Combine("m", "vocab.txt"), rng => rng.Next(5) switch
            {
                0 => ("empty", []),
                1 => ("invalid utf-8", [.. seed, 0xC3, 0x28, 0xFF, (byte)'\n']),
                2 => ("crlf", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(seed).Replace("\n", "\r\n"))),
                _ => ("bytes", MutateBytes(seed, rng)),
            },
            path =>
            {
                WordPieceVocabulary.Load(path);
                HfModelFolder.Validate(folder);
            });
    });

    /// <summary>Writes each generated input to <paramref name="relativePath"/> and runs <paramref name="read"/> on it.</summary>
    private static void Fuzz(TempFolder temp, string relativePath, Func<Random, (string Mutation, byte[] Bytes)> generate, Action<string> read)
    {
        var path = temp.Combine(relativePath);
        var loaded = 0;
        for (var i = 0; i < Cases; i++)
        {
            var rng = new Random(Seed + i);
            var (mutation, bytes) = generate(rng);
            File.WriteAllBytes(path, bytes);
            var context = $"case {i} (seed {Seed + i}, {mutation}, {bytes.Length} bytes)";
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                read(path);
                loaded++;
            }
            catch (CheckpointMismatchException e)
            {
                // By design a list of every mismatched key, one a line, after a first line naming the weights file.
                Assert.True(e.Message.Contains(Path.GetDirectoryName(path)!, StringComparison.Ordinal), $"{context}: {e.Message}");
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                Assert.False(e.Message.Contains('\n'), $"{context}: the message has more than one line: {e.Message}");
                Assert.True(e.Message.Contains(Path.GetFileName(path), StringComparison.Ordinal), $"{context}: the message does not name the file: {e.Message}");
            }
            catch (Exception e)
            {
                Assert.Fail($"{context}: {e.GetType().Name} is not our clear error: {e}");
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= AllocationAllowance + AllocationPerInputByte * bytes.Length, $"{context}: allocated {allocated:N0} bytes");
        }
        // The corpus must exercise both sides; a generator that only produced garbage would test nothing.
        Assert.InRange(loaded, 1, Cases - 1);
    }

    private static string SaveTinyFolder(TempFolder temp)
    {
        var vocab = TinyBert.WriteVocab(temp.Path);
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 5);
        HfModelFolder.Save(model, TinyBert.Config, vocab, temp.Combine("m"), doLowerCase: true);
        return temp.Combine("m");
    }

    private static byte[] Safetensors(string header, byte[] data)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        data.CopyTo(file, 8 + headerBytes.Length);
        return file;
    }

    /// <summary>Bit flips, a truncation, inserted bytes, an 8-byte extreme value, or a repeated slice, 1 to 3 of them.</summary>
    private static byte[] MutateBytes(byte[] seed, Random rng)
    {
        var bytes = seed.ToList();
        for (var round = rng.Next(1, 4); round > 0 && bytes.Count > 0; round--)
        {
            var at = rng.Next(bytes.Count);
            switch (rng.Next(5))
            {
                case 0:
                    for (var flips = rng.Next(1, 9); flips > 0; flips--)
                        bytes[rng.Next(bytes.Count)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.InsertRange(at, Enumerable.Range(0, rng.Next(1, 16)).Select(_ => (byte)rng.Next(256)));
                    break;
                case 3:
                    var extreme = new ulong[] { ulong.MaxValue, long.MaxValue, 1UL << 32, 1UL << 63, 0x7F_FF_FF_FF, 0 }[rng.Next(6)];
                    var value = BitConverter.GetBytes(extreme);
                    for (var k = 0; k < 8 && at + k < bytes.Count; k++)
                        bytes[at + k] = value[k];
                    break;
                default:
                    var length = Math.Min(rng.Next(1, 64), bytes.Count - at);
                    bytes.InsertRange(rng.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
            }
        }
        return bytes.ToArray();
    }

    /// <summary>Replaces numbers or strings with extreme ones, nests deeply, duplicates or truncates; 1 to 3 of them.</summary>
    private static string MutateJson(string json, Random rng, string[] strings)
    {
        for (var round = rng.Next(1, 4); round > 0; round--)
        {
            switch (rng.Next(6))
            {
                case 0:
                case 1:
                    json = ReplaceNth(json, System.Text.RegularExpressions.Regex.Matches(json, @"-?\d+(\.\d+)?([eE][-+]?\d+)?"), rng,
                        ExtremeJsonValues[rng.Next(ExtremeJsonValues.Length)]);
                    break;
                case 2:
                    json = ReplaceNth(json, System.Text.RegularExpressions.Regex.Matches(json, "\"[^\"]*\""), rng,
                        "\"" + strings[rng.Next(strings.Length)] + "\"");
                    break;
                case 3:
                    var depth = rng.Next(2) == 0 ? 63 : 5_000;
                    json = ReplaceNth(json, System.Text.RegularExpressions.Regex.Matches(json, @"-?\d+"), rng,
                        new string('[', depth) + "1" + new string(']', depth));
                    break;
                case 4:
                    // A duplicate of the first member: overlapping offsets in safetensors, a repeated key in config.json.
                    var close = json.IndexOf(',', StringComparison.Ordinal);
                    if (close > 1)
                        json = "{" + json[1..close] + "," + json[1..];
                    break;
                default:
                    json = json[..rng.Next(json.Length)];
                    break;
            }
        }
        return json;
    }

    private static string ReplaceNth(string text, System.Text.RegularExpressions.MatchCollection matches, Random rng, string replacement)
    {
        if (matches.Count == 0)
            return text;
        var match = matches[rng.Next(matches.Count)];
        return text[..match.Index] + replacement + text[(match.Index + match.Length)..];
    }
}
