using System.Security.Cryptography;
using System.Text;

namespace ImdbExperiments.Data;

/// <summary>
/// Writes a split as three files, <c>train.ids</c>, <c>validation.ids</c>, <c>test.ids</c>: one review id per line
/// (e.g. "train/pos/123"), each line ending in "\n", UTF-8 without BOM, in the split's order (canonical); an empty split
/// is an empty file. Each file is written to a temporary name and renamed into place.
/// </summary>
public static class SplitWriter
{
    public static SplitFiles Write(SplitResult split, string folder)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        return new SplitFiles(
            WriteIds(split.Train, Path.Combine(folder, SplitFiles.TrainFileName)),
            WriteIds(split.Validation, Path.Combine(folder, SplitFiles.ValidationFileName)),
            WriteIds(split.Test, Path.Combine(folder, SplitFiles.TestFileName)));
    }

    private static SplitFile WriteIds(IReadOnlyList<Review> reviews, string path)
    {
        var text = new StringBuilder(reviews.Count * 16);
        int negative = 0;
        foreach (var review in reviews)
        {
            text.Append(review.Id).Append('\n');
            negative += review.Label == Review.Negative ? 1 : 0;
        }

        byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return new SplitFile(path, reviews.Count, negative, reviews.Count - negative, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }
}
