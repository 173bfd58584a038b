using System.IO.Compression;
using System.Text;
using PSRnn.Engine.Evaluation;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;
using PSRnn.Engine.Training;
using Xunit;

namespace PSRnn.Tests;

public sealed class ModelFileTests : IDisposable
{
    private static readonly string Text = TestData.Text(2000);
    private readonly string folder = Directory.CreateTempSubdirectory("psrnn-modelfile-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string PathOf(string name) => Path.Combine(folder, name);

    private static TrainingOptions Options(OptimizerKind optimizer) => new()
    {
        Epochs = 3, BatchSize = 4, NumSteps = 8, Optimizer = optimizer, LearningRate = optimizer == OptimizerKind.Adam ? 0.01 : 1,
    };

    [Fact]
    public void AnImportedModelMeasuresAndPredictsExactlyAsTheExportedOne()
    {
        using var model = TestData.Model(Implementation.Scratch, Text, hidden: 12);
        TestData.Train(model, TestData.Tokens(model, Text), Options(OptimizerKind.Sgd)).ToList();
        ModelFile.Save(model, PathOf("m.psrnn"), WriteRule.CreateNew);
        using var loaded = ModelFile.Load(PathOf("m.psrnn"));
        var tokens = TestData.Tokens(model, Text);
        Assert.Equal(Evaluator.Perplexity(model, tokens), Evaluator.Perplexity(loaded, tokens));
        var prefix = TestData.Tokens(model, "the time");
        Assert.Equal(TextGenerator.Continue(model, prefix, 30, new GenerationOptions()), TextGenerator.Continue(loaded, prefix, 30, new GenerationOptions()));
        Assert.Equal(model.History, loaded.History);
        Assert.Equal((model.Spec, model.Seed, model.TextOptions), (loaded.Spec, loaded.Seed, loaded.TextOptions));
        Assert.Equal(model.Vocabulary.Tokens, loaded.Vocabulary.Tokens);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Adam)]
    public void ThreeEpochsExportImportAndThreeMoreEqualSixInOneRun(OptimizerKind optimizer)
    {
        using var straight = TestData.Model(Implementation.Fused, Text, hidden: 12, seed: 8);
        var corpus = TestData.Tokens(straight, Text);
        var six = TestData.Train(straight, corpus, Options(optimizer) with { Epochs = 6 }).Select(r => r.Perplexity).ToList();

        using var first = TestData.Model(Implementation.Fused, Text, hidden: 12, seed: 8);
        var resumed = TestData.Train(first, corpus, Options(optimizer)).Select(r => r.Perplexity).ToList();
        ModelFile.Save(first, PathOf("half.psrnn"), WriteRule.CreateNew);
        using var second = ModelFile.Load(PathOf("half.psrnn"));
        resumed.AddRange(TestData.Train(second, corpus, Options(optimizer)).Select(r => r.Perplexity));

        Assert.Equal(six, resumed);
        foreach (var (a, b) in straight.Network.parameters().Zip(second.Network.parameters()))
            Assert.True(a.allclose(b, rtol: 0, atol: 0), "weights differ after resuming");
        Assert.Equal(Enumerable.Range(1, 6), second.History.Select(r => r.Epoch));
    }

    [Fact]
    public void AnExistingModelFileIsReplacedOnlyWhenAskedAndAnyOtherFileNever()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var path = PathOf("keep.psrnn");
        File.WriteAllText(path, "precious");
        foreach (var rule in new[] { WriteRule.CreateNew, WriteRule.ReplaceModelFile })
        {
            var e = Assert.Throws<FileException>(() => ModelFile.Save(model, path, rule));
            Assert.Equal(FileProblem.AlreadyExists, e.Problem);
            Assert.Contains(rule == WriteRule.CreateNew ? "is not a PSRnn model file" : "remove that file first", e.Message);
        }
        Assert.Equal("precious", File.ReadAllText(path));
        File.Delete(path);
        ModelFile.Save(model, path, WriteRule.CreateNew);
        Assert.Contains("Use -Force", Assert.Throws<FileException>(() => ModelFile.Save(model, path, WriteRule.CreateNew)).Message);
        ModelFile.Save(model, path, WriteRule.ReplaceModelFile);
        using var loaded = ModelFile.Load(path);
        Assert.Single(Directory.GetFiles(folder));
    }

    [Fact]
    public void AFailedWriteLeavesNoTemporaryFile()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var e = Assert.Throws<FileException>(() => ModelFile.Save(model, Path.Combine(folder, "missing", "m.psrnn"), WriteRule.CreateNew));
        Assert.Equal(FileProblem.WriteFailed, e.Problem);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    public static TheoryData<string, Action<string>, FileProblem> BadFiles => new()
    {
        { "empty", path => File.WriteAllBytes(path, Array.Empty<byte>()), FileProblem.InvalidModel },
        { "truncated", path => Truncate(path), FileProblem.InvalidModel },
        { "bit-flipped", path => FlipWeightBit(path), FileProblem.InvalidModel },
        { "foreign zip", path => Zip(path, ("readme.txt", "hello")), FileProblem.InvalidModel },
        { "foreign JSON", path => File.WriteAllText(path, "{\"name\": \"not a model\"}"), FileProblem.InvalidModel },
        { "foreign manifest", path => Zip(path, ("manifest.json", "{\"format\": \"something-else\", \"formatVersion\": 1}")), FileProblem.InvalidModel },
        { "newer format", path => Zip(path, ("manifest.json", "{\"format\": \"psrnn-model\", \"formatVersion\": 99}")), FileProblem.NewerFormat },
        { "manifest bit-flipped", path => FlipManifestBit(path), FileProblem.InvalidModel },
        { "format not a string", path => Zip(path, ("manifest.json", "{\"format\": 5, \"formatVersion\": \"1\"}")), FileProblem.InvalidModel },
        { "null spec", path => Zip(path, ("manifest.json", "{\"format\": \"psrnn-model\", \"formatVersion\": 1, \"spec\": null, \"text\": null, \"vocabulary\": null}")), FileProblem.InvalidModel },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFilesAreRefusedWithTheRightProblem(string name, Action<string> spoil, FileProblem problem)
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var path = PathOf(name + ".psrnn");
        ModelFile.Save(model, path, WriteRule.CreateNew);
        spoil(path);
        var e = Assert.Throws<FileException>(() => ModelFile.Load(path));
        Assert.Equal(problem, e.Problem);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void AMissingFileIsNotFound() =>
        Assert.Equal(FileProblem.NotFound, Assert.Throws<FileException>(() => ModelFile.Load(PathOf("nope.psrnn"))).Problem);

    private static void Truncate(string path)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
    }

    /// <summary>Rewrites the weights entry with one bit flipped, keeping the zip itself valid.</summary>
    private static void FlipWeightBit(string path)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry("weights.bin")!;
        byte[] bytes;
        using (var stream = entry.Open())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }
        bytes[bytes.Length / 2] ^= 0x10;
        entry.Delete();
        using var replaced = zip.CreateEntry("weights.bin").Open();
        replaced.Write(bytes);
    }

    /// <summary>
    /// Stores the entries uncompressed, then flips one bit of the manifest in place ("history" becomes
    /// "hmstory"): the JSON stays valid and only the zip's CRC-32 can tell.
    /// </summary>
    private static void FlipManifestBit(string path)
    {
        var entries = new List<(string Name, byte[] Bytes)>();
        using (var zip = ZipFile.OpenRead(path))
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                entries.Add((entry.FullName, copy.ToArray()));
            }
        File.Delete(path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            foreach (var (name, bytes) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                stream.Write(bytes);
            }
        var raw = File.ReadAllBytes(path);
        var at = Encoding.Latin1.GetString(raw).IndexOf("\"history\"", StringComparison.Ordinal);
        raw[at + 2] ^= 0x04;
        File.WriteAllBytes(path, raw);
    }

    [Fact]
    public void AFolderIsNeitherReadNorOverwrittenAsAModelFile()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        Assert.Equal(FileProblem.IsDirectory, Assert.Throws<FileException>(() => ModelFile.Load(folder)).Problem);
        Assert.Equal(FileProblem.IsDirectory, Assert.Throws<FileException>(() => ModelFile.Save(model, folder, WriteRule.ReplaceModelFile)).Problem);
    }

    [Fact]
    public void AWriteIntoAFileOrAMissingFolderIsRefusedBeforeAnythingIsWritten()
    {
        File.WriteAllText(PathOf("plain.txt"), "a file, not a folder");
        var underFile = Assert.Throws<FileException>(() => ModelFile.CheckTarget(Path.Combine(PathOf("plain.txt"), "m.psrnn"), WriteRule.ReplaceModelFile, probe: true));
        Assert.Equal(FileProblem.WriteFailed, underFile.Problem);
        Assert.Contains("is a file, not a folder", underFile.Message);
        var missing = Assert.Throws<FileException>(() => ModelFile.CheckTarget(PathOf("none/m.psrnn"), WriteRule.ReplaceModelFile, probe: true));
        Assert.Contains("does not exist", missing.Message);
        Assert.Equal(PathOf("ok.psrnn"), ModelFile.CheckTarget(PathOf("ok.psrnn"), WriteRule.ReplaceModelFile, probe: true));
        Assert.Equal(new[] { PathOf("plain.txt") }, Directory.GetFiles(folder));
    }

    private static void Zip(string path, params (string Name, string Content)[] entries)
    {
        File.Delete(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content) in entries)
        {
            using var stream = zip.CreateEntry(name).Open();
            stream.Write(Encoding.UTF8.GetBytes(content));
        }
    }

    [Fact]
    public void HistoryRecordsKeepNamesAndSeconds_AndReadOlderFilesTimeSpans()
    {
        var record = new EpochRecord { Epoch = 3, CellType = "Lstm", Sampling = "Random", ElapsedSeconds = 1.25 };
        var json = System.Text.Json.JsonSerializer.Serialize(record, ModelManifest.Json);
        Assert.Contains("\"cellType\": \"Lstm\"", json);
        Assert.Contains("\"elapsedSeconds\": 1.25", json);
        Assert.DoesNotContain("\"elapsed\"", json);
        Assert.Equal(record, System.Text.Json.JsonSerializer.Deserialize<EpochRecord>(json, ModelManifest.Json));

        // A history written before ElapsedSeconds: the epoch's time as a TimeSpan, the settings as names.
        const string older = """{ "epoch": 2, "elapsed": "00:00:01.5000000", "cellType": "Gru", "stateReset": "EveryEpoch", "device": "Cpu" }""";
        var read = System.Text.Json.JsonSerializer.Deserialize<EpochRecord>(older, ModelManifest.Json)!;
        Assert.Equal((2, 1.5, "Gru", "EveryEpoch", "Cpu"), (read.Epoch, read.ElapsedSeconds, read.CellType, read.StateReset, read.Device));
    }
}
