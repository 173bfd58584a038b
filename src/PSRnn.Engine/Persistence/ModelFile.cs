using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Text;

namespace PSRnn.Engine.Persistence;

/// <summary>When a model file may take the place of an existing file.</summary>
public enum WriteRule
{
    /// <summary>Only a new name (Export-RnnModel without -Force).</summary>
    CreateNew,
    /// <summary>A new name or an existing PSRnn model file (-Force, checkpoints); never another kind of file.</summary>
    ReplaceModelFile,
}

/// <summary>
/// One file per model: a zip holding manifest.json (architecture, vocabulary, text options,
/// history, optimizer settings, checksums), weights.bin and, once trained, optimizer.bin.
/// Writes are atomic (<see cref="AtomicFile"/>): a crash leaves either the old file or the new one.
/// </summary>
public static class ModelFile
{
    private const string ManifestEntry = "manifest.json";
    private const string WeightsEntry = "weights.bin";
    private const string OptimizerEntry = "optimizer.bin";
    private const int CopyChunk = 1 << 20;

    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/>, claiming it for the write; returns the path written.</summary>
    public static string Save(RnnModel model, string path, WriteRule rule)
    {
        using var claim = model.Claim("export");
        return Write(model, path, rule);
    }

    /// <summary>Saves a model the caller has claimed (the trainer's checkpoints).</summary>
    internal static string Write(RnnModel model, string path, WriteRule rule)
    {
        path = CheckTarget(path, rule);
        return AtomicFile.Write(path, FileRole.Model, temporary =>
        {
            using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            {
                var checksums = new Dictionary<string, string>
                {
                    [WeightsEntry] = WriteEntry(zip, WeightsEntry, writer => model.Network.save(writer)),
                };
                var optimizer = model.Optimizer.Current;
                if (optimizer is not null)
                    checksums[OptimizerEntry] = WriteEntry(zip, OptimizerEntry, writer => optimizer.save_state_dict(writer));
                WriteEntry(zip, ManifestEntry, writer => writer.Write(JsonSerializer.SerializeToUtf8Bytes(Describe(model, checksums), ModelManifest.Json)));
            }
            stream.Flush(flushToDisk: true);
        });
    }

    /// <summary>
    /// Checks, before any work is done, that a model file may be written at <paramref name="path"/>
    /// (<see cref="RegularFile.WriteTarget"/>, then <paramref name="rule"/>). With <paramref name="probe"/>,
    /// also creates and deletes an empty temporary file there, so that a read-only folder is refused
    /// now rather than after hours of training. Returns the full path (a symbolic link followed).
    /// </summary>
    public static string CheckTarget(string path, WriteRule rule, bool probe = false)
    {
        path = RegularFile.WriteTarget(path, FileRole.Model);
        if (RegularFile.Exists(path))
        {
            if (!IsModelFile(path))
                throw new FileException(FileProblem.AlreadyExists, path,
                    $"'{path}' exists and is not a PSRnn model file, so PSRnn will not replace it: exports with -Force and checkpoints replace only model files. " +
                    "Choose another path, or remove that file first (Remove-Item) if you mean to replace it.");
            if (rule == WriteRule.CreateNew)
                throw new FileException(FileProblem.AlreadyExists, path, $"'{path}' already exists. Use -Force to replace it, or choose another path.");
        }
        return probe ? AtomicFile.Probe(path, FileRole.Model) : path;
    }

    /// <summary>True when <paramref name="path"/> is a zip whose manifest says it is a PSRnn model (any format version).</summary>
    public static bool IsModelFile(string path)
    {
        try
        {
            using var stream = RegularFile.OpenRead(path, FileRole.Model);
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            using var manifest = zip.GetEntry(ManifestEntry)?.Open();
            if (manifest is null) return false;
            using var document = JsonDocument.Parse(manifest);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("format", out var format)
                   && format.ValueKind == JsonValueKind.String && format.GetString() == ModelManifest.FormatName;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Reads a model file; <paramref name="device"/> null keeps the file's device when it is available here.</summary>
    public static RnnModel Load(string path, ComputeDevice? device = null, CancellationToken cancellation = default)
    {
        path = RegularFile.FullPath(path);
        using var stream = RegularFile.OpenRead(path, FileRole.Model);
        try
        {
            using var zip = OpenArchive(stream, path);
            var manifest = ReadManifest(zip, path, cancellation);
            manifest.Spec.Validate();
            manifest.Text.Validate();
            // A crafted manifest must not reach libtorch's allocator: the weights' size is known from the spec.
            manifest.Spec.RequireMemory();
            var weightBytes = manifest.Spec.ParameterCount * ModelSpec.BytesPerValue;
            var weights = ReadVerified(zip, WeightsEntry, manifest, path, weightBytes, cancellation);
            var optimizerState = manifest.Optimizer is null || !manifest.Entries.ContainsKey(OptimizerEntry)
                ? null
                : ReadVerified(zip, OptimizerEntry, manifest, path, 3 * weightBytes, cancellation);
            var threads = Math.Clamp(manifest.Threads, 1, Environment.ProcessorCount);
            var chosen = device ?? (manifest.Device == ComputeDevice.Cuda && Devices.CudaAvailable ? ComputeDevice.Cuda : ComputeDevice.Cpu);
            var model = new RnnModel(manifest.Spec, new Vocabulary(manifest.Vocabulary), manifest.Text, manifest.Seed, chosen, threads);
            try
            {
                using (var reader = new BinaryReader(new MemoryStream(weights)))
                    model.Network.load(reader);
                foreach (var epoch in manifest.History) model.Record(epoch);
                if (manifest.Optimizer is { } saved && optimizerState is not null)
                {
                    using var reader = new BinaryReader(new MemoryStream(optimizerState));
                    model.Optimizer.Restore(model.Network.parameters(), saved.Kind, saved.LearningRate, saved.WeightDecay, reader);
                }
                return model;
            }
            catch
            {
                // Weights that do not fit the manifest: free the half-built model's tensors now.
                model.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or EndOfStreamException or ArgumentException or NotSupportedException
                                  or UnauthorizedAccessException || e is IOException and not FileException
                                  || e.GetType().Namespace == "TorchSharp")
        {
            // ArgumentOutOfRangeException appends "(Parameter ...) Actual value was ..." lines; keep the sentence.
            throw Invalid(path, e.Message.Split('\n')[0].Split(" (Parameter")[0].TrimEnd('.'), e);
        }
    }

    private static ModelManifest ReadManifest(ZipArchive zip, string path, CancellationToken cancellation)
    {
        var entry = zip.GetEntry(ManifestEntry) ?? throw Invalid(path, "it is a zip archive, but not one that Export-RnnModel wrote: it has no manifest.json");
        var node = JsonSerializer.Deserialize<JsonElement>(ReadEntry(entry, path, limit: Resources.MemoryBudget.AvailableBytes / 4, cancellation), ModelManifest.Json);
        if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty("format", out var format)
            || format.ValueKind != JsonValueKind.String || format.GetString() != ModelManifest.FormatName)
            throw Invalid(path, "its manifest does not describe a PSRnn model");
        var version = node.TryGetProperty("formatVersion", out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : 0;
        if (version > ModelManifest.CurrentFormatVersion)
            throw new FileException(FileProblem.NewerFormat, path,
                $"'{path}' was written by a newer PSRnn (model format {version}; this one reads up to {ModelManifest.CurrentFormatVersion}). Update the PSRnn module to load it.");
        if (version < 1) throw Invalid(path, "its manifest has no valid formatVersion");
        var manifest = node.Deserialize<ModelManifest>(ModelManifest.Json) ?? throw Invalid(path, "its manifest is empty");
        // JSON null satisfies "required": refuse it here rather than fail later on a null.
        if (manifest.Spec is null || manifest.Text is null || manifest.Vocabulary is null || manifest.History is null
            || manifest.Entries is null || manifest.Vocabulary.Any(t => t is null) || manifest.History.Any(r => r is null))
            throw Invalid(path, "its manifest lacks the spec, text options, vocabulary, history or checksums");
        return manifest;
    }

    /// <summary>
    /// An entry's bytes, checked against the CRC-32 the zip keeps for it. .NET does not check it on read,
    /// and the manifest has no checksum of its own: without this a flipped bit in a property name would
    /// load silently, e.g. as a model with an empty history. An entry larger than <paramref name="limit"/>
    /// is refused before it is read (a crafted or corrupted size), and the copy honours Ctrl+C.
    /// </summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, string path, long limit, CancellationToken cancellation)
    {
        if (entry.Length > Math.Min(limit, Array.MaxLength))
            throw Invalid(path, $"its {entry.FullName} claims {entry.Length:N0} bytes, more than this model can have");
        using var stream = entry.Open();
        using var copy = new MemoryStream((int)entry.Length);
        var buffer = new byte[CopyChunk];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            copy.Write(buffer, 0, read);
            if (copy.Length > entry.Length) break;
        }
        var bytes = copy.ToArray();
        if (bytes.Length != entry.Length || Crc32.Compute(bytes) != entry.Crc32)
            throw Invalid(path, $"the zip's CRC of {entry.FullName} does not match: the file is corrupted");
        return bytes;
    }

    private static byte[] ReadVerified(ZipArchive zip, string name, ModelManifest manifest, string path, long tensorBytes, CancellationToken cancellation)
    {
        if (!manifest.Entries.TryGetValue(name, out var sha256)) throw Invalid(path, $"its manifest has no checksum of {name}");
        var entry = zip.GetEntry(name) ?? throw Invalid(path, $"the entry {name} is missing");
        // TorchSharp's format adds names and shapes to the raw values: a little over their bytes.
        var bytes = ReadEntry(entry, path, limit: tensorBytes + tensorBytes / 8 + (1 << 20), cancellation);
        if (!Convert.ToHexString(SHA256.HashData(bytes)).Equals(sha256, StringComparison.OrdinalIgnoreCase))
            throw Invalid(path, $"the checksum of {name} does not match: the file is corrupted");
        return bytes;
    }

    private static string WriteEntry(ZipArchive zip, string name, Action<BinaryWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) write(writer);
        var bytes = buffer.ToArray();
        using (var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open()) entry.Write(bytes);
        return Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
    }

    private static ModelManifest Describe(RnnModel model, Dictionary<string, string> checksums) => new()
    {
        Writer = $"PSRnn {typeof(ModelFile).Assembly.GetName().Version}",
        Spec = model.Spec,
        Text = model.TextOptions,
        Vocabulary = model.Vocabulary.Tokens,
        Seed = model.Seed,
        Threads = model.Threads,
        Device = model.Device,
        History = model.History,
        Optimizer = model.Optimizer.Current is { } optimizer
            ? new OptimizerManifest(model.Optimizer.Kind, optimizer.ParamGroups.First().LearningRate, model.Optimizer.WeightDecay)
            : null,
        Entries = checksums,
    };

    /// <summary>
    /// A model file is a zip; a file that is not one at all (a text file given by mistake) is "not a
    /// PSRnn model file", said in the user's terms rather than the zip reader's ("central directory").
    /// </summary>
    private static ZipArchive OpenArchive(Stream stream, string path)
    {
        try
        {
            return new ZipArchive(stream, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            var head = Head(stream);
            // A zip's first bytes: a model file cut short (a copy or a full disk), not a file of another kind.
            if (head is [0x50, 0x4B, 0x03, 0x04, ..]) throw Invalid(path, "it is cut short or damaged", e);
            var what = head.Length == 0 ? ": it is empty" : LooksLikeText(head) ? ": it holds text" : "";
            throw new FileException(FileProblem.InvalidModel, path,
                $"'{path}' is not a PSRnn model file{what}. Import-RnnModel reads the files that " +
                "Export-RnnModel and Invoke-RnnTraining -CheckpointPath write; give the path of one of those." +
                (what == ": it holds text" ? " To learn from text, pipe it to New-RnnModel or Invoke-RnnTraining (Get-Content file | ...)." : ""), e);
        }
    }

    /// <summary>The file's first 4 KB (fewer when it is shorter; none when it cannot be read again).</summary>
    private static byte[] Head(Stream stream)
    {
        try
        {
            stream.Position = 0;
            var head = new byte[4096];
            return head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>True when <paramref name="head"/> is UTF-8 without NULs, as a text file's first bytes are.</summary>
    private static bool LooksLikeText(byte[] head)
    {
        if (Array.IndexOf(head, (byte)0) >= 0) return false;
        var strict = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true);
        // The sample may end in the middle of a multi-byte character.
        for (var trim = 0; trim < 4 && trim < head.Length; trim++)
        {
            try
            {
                strict.GetCharCount(head, 0, head.Length - trim);
                return true;
            }
            catch (System.Text.DecoderFallbackException)
            {
            }
        }
        return false;
    }

    private static FileException Invalid(string path, string why, Exception? inner = null) =>
        new(FileProblem.InvalidModel, path, $"'{path}' is not a readable PSRnn model file ({why}). Export the model again, or load another file.", inner);
}
