using System.Diagnostics;
using System.Text.Json;

namespace PSRnn.Tests;

/// <summary>
/// Runs tests/PyTorch/torch_side.py and train_side.py, which build the torch.nn model of Export-RnnStateDict's
/// help (its Example 2, executed as written) in a separate Python process: that process's libtorch never meets ours.
/// </summary>
internal static class TorchSide
{
    public const string Absent = "no Python with torch: python3 -c 'import torch' fails for $PSRNN_PYTHON, /usr/bin/python3 and python3 (.ci/run installs Debian's python3-torch)";

    private static readonly Lazy<string?> Found = new(Find);

    /// <summary>A Python interpreter that imports torch, or null.</summary>
    public static string? Python => Found.Value;

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PSRnn.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (PSRnn.sln) is not above the test binaries.");
    }

    /// <summary>Loads <paramref name="stateDict"/> (mode "load") or saves a new one (mode "save"), and returns the logits on <paramref name="tokens"/> [steps, batch].</summary>
    public static float[] Logits(string mode, string cell, int vocabulary, int hidden, int layers, int embedding, bool tied, string stateDict,
                                 long[,] tokens, string folder, int seed = 0)
    {
        var tokensPath = Path.Combine(folder, "tokens.json");
        var logitsPath = Path.Combine(folder, "logits.bin");
        File.WriteAllText(tokensPath, JsonSerializer.Serialize(new
        {
            steps = tokens.GetLength(0), batch = tokens.GetLength(1), tokens = tokens.Cast<long>().ToArray(),
        }));
        var root = RepositoryRoot();
        var (code, output) = Run(Python!, Path.Combine(root, "tests", "PyTorch", "torch_side.py"), Path.Combine(root, "docs", "help", "Export-RnnStateDict.md"),
            mode, cell, vocabulary.ToString(), hidden.ToString(), layers.ToString(), embedding.ToString(), tied ? "tied" : "untied",
            stateDict, tokensPath, logitsPath, seed.ToString());
        if (code != 0) throw new InvalidOperationException($"torch_side.py failed ({code}):\n{output}");
        var bytes = File.ReadAllBytes(logitsPath);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    /// <summary>
    /// Loads <paramref name="initial"/> into the help's model, trains it one epoch with pytorch/examples' loop
    /// over PSRnn's sequential cut of <paramref name="tokens"/> from <paramref name="offset"/>, and saves it to
    /// <paramref name="trained"/>; returns the minibatches it ran.
    /// </summary>
    public static int Train(string cell, int vocabulary, int hidden, int layers, int embedding, bool tied, string initial, string trained,
                            long[] tokens, int offset, int batch, int steps, double learningRate, double clip, string folder)
    {
        var specPath = Path.Combine(folder, "training.json");
        File.WriteAllText(specPath, JsonSerializer.Serialize(new { tokens, offset, batch, steps, lr = learningRate, clip }));
        var root = RepositoryRoot();
        var (code, output) = Run(Python!, Path.Combine(root, "tests", "PyTorch", "train_side.py"), Path.Combine(root, "docs", "help", "Export-RnnStateDict.md"),
            cell, vocabulary.ToString(), hidden.ToString(), layers.ToString(), embedding.ToString(), tied ? "tied" : "untied", initial, specPath, trained);
        if (code != 0) throw new InvalidOperationException($"train_side.py failed ({code}):\n{output}");
        return int.Parse(output.Trim().Split('\n')[^1]);
    }

    private static string? Find()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("PSRNN_PYTHON"), "/usr/bin/python3", "python3" };
        foreach (var python in candidates.Where(c => !string.IsNullOrEmpty(c)))
        {
            try
            {
                if (Run(python!, "-c", "import torch").Code == 0) return python;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed under that name: try the next.
            }
        }
        return null;
    }

    private static (int Code, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
