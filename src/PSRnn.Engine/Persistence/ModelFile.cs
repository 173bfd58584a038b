using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Text;
using static TorchSharp.torch;

namespace PSRnn.Engine.Persistence;

/// <summary>
/// One file per model: a zip holding manifest.json (architecture, vocabulary, text options,
/// history, optimizer settings, checksums), weights.bin and, once trained, optimizer.bin.
/// Writes go to a temporary file in the same folder that is renamed over the target only when
/// complete, so a crash leaves either the old file or the new one, never a mix.
/// </summary>
public static class ModelFile
{
    private const string ManifestEntry = "manifest.json";
    private const string WeightsEntry = "weights.bin";
    private const string OptimizerEntry = "optimizer.bin";

    public static void Save(RnnModel model, string path, bool overwrite)
    {
        path = CheckTarget(path, overwrite);
        try
        {
            AtomicFile.Write(path, temporary =>
            {
                using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
                using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
                {
                    var checksums = new Dictionary<string, string>
                    {
                        [WeightsEntry] = Write(zip, WeightsEntry, writer => model.Network.save(writer)),
                    };
                    var optimizer = model.Optimizer.Current;
                    if (optimizer is not null)
                        checksums[OptimizerEntry] = Write(zip, OptimizerEntry, writer => optimizer.save_state_dict(writer));
                    Write(zip, ManifestEntry, writer => writer.Write(JsonSerializer.SerializeToUtf8Bytes(Describe(model, checksums), ModelManifest.Json)));
                }
                stream.Flush(flushToDisk: true);
            });
        }
        catch (AtomicWriteException e)
        {
            throw WriteFailed(path, e.TemporaryPath, e.InnerException!);
        }
    }

    /// <summary>
    /// Checks, before any work is done, that a model file can be written at <paramref name="path"/>:
    /// not a folder, not an existing file unless <paramref name="overwrite"/>, in a folder that exists.
    /// With <paramref name="probe"/>, also creates and deletes an empty temporary file there, so that a
    /// read-only folder is refused now rather than after hours of training. Returns the full path.
    /// </summary>
    public static string CheckTarget(string path, bool overwrite, bool probe = false)
    {
        path = Path.GetFullPath(path);
        if (Directory.Exists(path))
            throw new ModelFileException(ModelFileProblem.IsDirectory, path, $"'{path}' is a folder. Give a file path, e.g. '{Path.Combine(path, "model.psrnn")}'.");
        if (!overwrite && File.Exists(path))
            throw new ModelFileException(ModelFileProblem.AlreadyExists, path, $"'{path}' already exists. Use -Force to replace it, or choose another path.");
        var folder = Path.GetDirectoryName(path)!;
        if (File.Exists(folder))
            throw new ModelFileException(ModelFileProblem.WriteFailed, path,
                $"Could not write '{path}': '{folder}' is a file, not a folder. Choose a path inside a folder.");
        if (!Directory.Exists(folder))
            throw new ModelFileException(ModelFileProblem.WriteFailed, path,
                $"Could not write '{path}': the folder '{folder}' does not exist. Create it first (New-Item -ItemType Directory), or choose another path.");
        if (probe)
        {
            try
            {
                AtomicFile.Probe(path);
            }
            catch (AtomicWriteException e)
            {
                throw WriteFailed(path, e.TemporaryPath, e.InnerException!);
            }
        }
        return path;
    }

    private static ModelFileException WriteFailed(string path, string temporary, Exception e)
    {
        var folder = Path.GetDirectoryName(path)!;
        // The temporary file's name means nothing to the user: speak of the target and its folder.
        var reason = e.Message.Replace(temporary, path);
        var advice = e is UnauthorizedAccessException
            ? $"PSRnn may not write in '{folder}'. Choose a folder you can write to, or change its permissions."
            : $"Check that '{folder}' is a writable folder with free space, or choose another path.";
        return new ModelFileException(ModelFileProblem.WriteFailed, path, $"Could not write '{path}': {reason} {advice}", e);
    }

    /// <summary>Reads a model file; <paramref name="device"/> null keeps the file's device when it is available here.</summary>
    public static RnnModel Load(string path, Device? device = null)
    {
        path = Path.GetFullPath(path);
        if (Directory.Exists(path))
            throw new ModelFileException(ModelFileProblem.IsDirectory, path,
                $"'{path}' is a folder, not a model file. Give the file's path, e.g. Get-ChildItem '{path}' -Filter *.psrnn | Import-RnnModel.");
        if (!File.Exists(path))
            throw new ModelFileException(ModelFileProblem.NotFound, path, $"The model file '{path}' does not exist. Check the path.");
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var manifest = ReadManifest(zip, path);
            var bytes = manifest.Entries.ToDictionary(e => e.Key, e => ReadVerified(zip, e.Key, e.Value, path));
            if (!bytes.ContainsKey(WeightsEntry)) throw Invalid(path, "it has no weights");
            var vocabulary = new Vocabulary(manifest.Vocabulary);
            device ??= manifest.Device == "Cuda" && Devices.CudaAvailable ? CUDA : CPU;
            var threads = Math.Clamp(manifest.Threads, 1, Environment.ProcessorCount);
            var model = new RnnModel(manifest.Spec, vocabulary, manifest.Text, manifest.Seed, device, threads);
            try
            {
                using (var reader = new BinaryReader(new MemoryStream(bytes[WeightsEntry])))
                    model.Network.load(reader);
                foreach (var epoch in manifest.History) model.Record(epoch);
                if (manifest.Optimizer is { } saved && bytes.TryGetValue(OptimizerEntry, out var state))
                {
                    using var reader = new BinaryReader(new MemoryStream(state));
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
                                  or UnauthorizedAccessException || e is IOException and not ModelFileException
                                  || e.GetType().Namespace == "TorchSharp")
        {
            throw Invalid(path, e.Message, e);
        }
    }

    private static ModelManifest ReadManifest(ZipArchive zip, string path)
    {
        var entry = zip.GetEntry(ManifestEntry) ?? throw Invalid(path, "it has no manifest.json");
        var node = JsonSerializer.Deserialize<JsonElement>(ReadEntry(entry, path), ModelManifest.Json);
        if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty("format", out var format)
            || format.ValueKind != JsonValueKind.String || format.GetString() != ModelManifest.FormatName)
            throw Invalid(path, "its manifest does not describe a PSRnn model");
        var version = node.TryGetProperty("formatVersion", out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : 0;
        if (version > ModelManifest.CurrentFormatVersion)
            throw new ModelFileException(ModelFileProblem.NewerFormat, path,
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
    /// load silently, e.g. as a model with an empty history.
    /// </summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, string path)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        if (bytes.Length != entry.Length || Crc32.Compute(bytes) != entry.Crc32)
            throw Invalid(path, $"the zip's CRC of {entry.FullName} does not match: the file is corrupted");
        return bytes;
    }

    private static byte[] ReadVerified(ZipArchive zip, string name, string sha256, string path)
    {
        var entry = zip.GetEntry(name) ?? throw Invalid(path, $"the entry {name} is missing");
        var bytes = ReadEntry(entry, path);
        if (!Convert.ToHexString(SHA256.HashData(bytes)).Equals(sha256, StringComparison.OrdinalIgnoreCase))
            throw Invalid(path, $"the checksum of {name} does not match: the file is corrupted");
        return bytes;
    }

    private static string Write(ZipArchive zip, string name, Action<BinaryWriter> write)
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


    private static ModelFileException Invalid(string path, string why, Exception? inner = null) =>
        new(ModelFileProblem.Invalid, path, $"'{path}' is not a readable PSRnn model file ({why}). Export the model again, or load another file.", inner);
}
