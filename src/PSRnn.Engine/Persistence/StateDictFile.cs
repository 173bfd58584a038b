using System.Collections;
using System.IO.Compression;
using System.Runtime.InteropServices;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PSRnn.Engine.Persistence;

/// <summary>
/// A model's weights as a PyTorch state_dict file, the zip that torch.save(model.state_dict(), path)
/// writes and torch.load reads, pickled and unpickled by TorchSharp.PyBridge; names and layout are
/// <see cref="PyTorchLayout"/>'s. The file holds weights only: the vocabulary, text options and history
/// stay with the PSRnn model. Writes are atomic (<see cref="AtomicFile"/>); a read checks every tensor's
/// name, shape and values before any weight is replaced, so a file that does not fit changes nothing.
/// </summary>
public static class StateDictFile
{
    private const string PickleEntry = "data.pkl";

    /// <summary>
    /// Writes <paramref name="model"/>'s weights to <paramref name="path"/>. <see cref="WriteRule.ReplaceModelFile"/>
    /// lets it replace an existing state_dict file (never a file of another kind). Returns the path written.
    /// </summary>
    public static string Save(RnnModel model, string path, WriteRule rule)
    {
        PyTorchLayout.RequireMapping(model.Spec);
        path = CheckTarget(path, rule);
        using var claim = model.Claim("export to PyTorch");
        var tensors = PyTorchLayout.Export(model.Spec, model.Network.state_dict());
        try
        {
            return AtomicFile.Write(path, FileRole.StateDict, temporary =>
            {
                using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
                PyTorchPickler.PickleStateDict(stream, tensors, leaveOpen: true);
                stream.Flush(flushToDisk: true);
            });
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
    }

    /// <summary>The path rules of model files (<see cref="ModelFile.CheckTarget"/>), with state_dict files as the kind that may be replaced.</summary>
    public static string CheckTarget(string path, WriteRule rule)
    {
        path = RegularFile.WriteTarget(path, FileRole.StateDict);
        if (!RegularFile.Exists(path)) return path;
        if (!IsStateDictFile(path))
            throw new FileException(FileProblem.AlreadyExists, path,
                $"'{path}' exists and is not a PyTorch state_dict file, so PSRnn will not replace it: -Force replaces only state_dict files. " +
                "Choose another path, or remove that file first (Remove-Item) if you mean to replace it.");
        if (rule == WriteRule.CreateNew)
            throw new FileException(FileProblem.AlreadyExists, path, $"'{path}' already exists. Use -Force to replace it, or choose another path.");
        return path;
    }

    /// <summary>True when <paramref name="path"/> is a zip holding a data.pkl, as torch.save writes.</summary>
    public static bool IsStateDictFile(string path)
    {
        try
        {
            using var stream = RegularFile.OpenRead(path, FileRole.StateDict);
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            return zip.Entries.Any(e => e.Name == PickleEntry);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Replaces <paramref name="model"/>'s weights with those of the state_dict file at <paramref name="path"/>.
    /// The model's optimizer state and history are dropped: they belonged to the weights replaced.
    /// </summary>
    public static void Load(RnnModel model, string path, CancellationToken cancellation = default)
    {
        PyTorchLayout.RequireMapping(model.Spec);
        path = RegularFile.FullPath(path);
        using var claim = model.ClaimOutsideTraining("an import from PyTorch");
        var parameters = model.Network.state_dict();
        var expected = ExpectedShapes(model.Spec, parameters);
        var file = Read(path, model.Spec, cancellation);
        Dictionary<string, Tensor> own;
        try
        {
            Check(file, expected, path, model.Spec);
            own = PyTorchLayout.Import(model.Spec, file);
        }
        finally
        {
            foreach (var tensor in file.Values) tensor.Dispose();
        }
        try
        {
            using var _ = no_grad();
            foreach (var (name, parameter) in parameters) parameter.copy_(own[name]);
        }
        finally
        {
            foreach (var tensor in own.Values) tensor.Dispose();
        }
        model.Optimizer.Dispose();
        model.ForgetHistory();
    }

    /// <summary>The names and shapes a state_dict for this spec has, in PyTorch's order.</summary>
    private static List<(string Name, long[] Shape)> ExpectedShapes(ModelSpec spec, IReadOnlyDictionary<string, Tensor> parameters)
    {
        var layout = PyTorchLayout.Export(spec, parameters);
        var shapes = layout.Select(p => (p.Key, p.Value.shape)).ToList();
        foreach (var tensor in layout.Values) tensor.Dispose();
        return shapes;
    }

    private static Dictionary<string, Tensor> Read(string path, ModelSpec spec, CancellationToken cancellation)
    {
        using var stream = RegularFile.OpenRead(path, FileRole.StateDict);
        // Up to float64 for every value, twice over, and room for the pickle: a larger file is not this model's.
        var limit = checked(spec.ParameterCount * 16 + (1 << 20));
        try
        {
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true))
            {
                if (!zip.Entries.Any(e => e.Name == PickleEntry))
                    throw Invalid(path, "it is a zip archive without data.pkl, so not one that torch.save wrote");
                var bytes = zip.Entries.Sum(e => e.Length);
                if (bytes > limit)
                    throw Invalid(path, $"it holds {bytes:N0} bytes, more than a state_dict of this model can ({limit:N0})");
            }
            cancellation.ThrowIfCancellationRequested();
            stream.Seek(0, SeekOrigin.Begin);
            return Tensors(PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true), path);
        }
        catch (InvalidDataException e)
        {
            throw Invalid(path, "it is not a zip archive, the format torch.save writes by default (a file saved with _use_new_zipfile_serialization=False is not read)", e);
        }
        catch (Exception e) when (e is not (FileException or OperationCanceledException or StateDictMismatchException) && !IsAllocationFailure(e))
        {
            // PyBridge's unpickler meets a malformed pickle with casts and look-ups that fail: one message for all.
            throw Invalid(path, $"its pickle could not be read as a state_dict: {e.Message.Split('\n')[0].TrimEnd('.')}", e);
        }
    }

    /// <summary>The unpickled table as named tensors; anything else in it makes the file unreadable as a state_dict.</summary>
    private static Dictionary<string, Tensor> Tensors(Hashtable table, string path)
    {
        var tensors = new Dictionary<string, Tensor>();
        string? problem = null;
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor tensor) tensors[name] = tensor;
            else problem ??= $"its entry '{entry.Key}' is {(entry.Value is null ? "None" : "not a tensor")}";
        }
        if (problem is null) return tensors;
        foreach (var tensor in tensors.Values) tensor.Dispose();
        throw Invalid(path, problem + "; a state_dict maps names to tensors");
    }

    private static void Check(Dictionary<string, Tensor> file, List<(string Name, long[] Shape)> expected, string path, ModelSpec spec)
    {
        var model = $"a {spec.Implementation} {spec.CellType} with {spec.NumLayers} layer(s) of {spec.HiddenSize} and a vocabulary of {spec.VocabularySize}";
        var advice = "Build the PSRnn model with the options the weights were made for (New-RnnModel -CellType, -Implementation, -HiddenSize, -NumLayers, " +
                     "and the same vocabulary), or save the PyTorch model that Get-Help Export-RnnStateDict describes.";
        var missing = expected.Select(e => e.Name).Where(n => !file.ContainsKey(n)).ToList();
        var extra = file.Keys.Where(n => expected.All(e => e.Name != n)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"it lacks {string.Join(", ", missing)}");
            if (extra.Count > 0) parts.Add($"it has {string.Join(", ", extra)}, which the model does not");
            throw new StateDictMismatchException(missing.Concat(extra).First(),
                $"'{path}' does not fit this model ({model}): {string.Join("; ", parts)}. The model takes {string.Join(", ", expected.Select(e => e.Name))}. {advice}");
        }
        foreach (var (name, shape) in expected)
        {
            var tensor = file[name];
            if (!tensor.shape.SequenceEqual(shape))
                throw new StateDictMismatchException(name,
                    $"'{path}' does not fit this model ({model}): its tensor {name} is {Shape(tensor.shape)}, the model's is {Shape(shape)}. {advice}");
            if (!is_floating_point(tensor))
                throw new StateDictMismatchException(name, $"'{path}' holds {name} as {tensor.dtype}, not floating-point weights. Save the model's floating-point state_dict.");
            if (!tensor.isfinite().all().item<bool>())
                throw new StateDictMismatchException(name, $"'{path}' holds NaN or infinite values in {name}. Save weights from a model that trained without diverging.");
        }
    }

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    private static bool IsAllocationFailure(Exception e) =>
        e is OutOfMemoryException || e is ExternalException && e.Message.Contains("allocate", StringComparison.OrdinalIgnoreCase);

    private static FileException Invalid(string path, string why, Exception? inner = null) =>
        new(FileProblem.InvalidStateDict, path,
            $"'{path}' is not a readable PyTorch state_dict file ({why}). Save one in PyTorch with torch.save(model.state_dict(), path), or export one with Export-RnnStateDict.", inner);
}

/// <summary>A state_dict file whose tensors do not fit the model; <see cref="TensorName"/> is the first offending one.</summary>
public sealed class StateDictMismatchException(string tensorName, string message) : Exception(message)
{
    public string TensorName { get; } = tensorName;
}

/// <summary>A model whose weights no torch.nn model computes the same function with (a scratch GRU).</summary>
public sealed class NoTorchEquivalentException(string message) : InvalidOperationException(message);
