using System.Buffers.Binary;
using System.Text;
using PSRnn.Build;
using Xunit;

namespace PSRnn.Tests;

public sealed class ElfVersionNeedsTests : IDisposable
{
    const string Glibcxx3430 = "GLIBCXX_3.4.30";
    const string Glibcxx3432 = "GLIBCXX_3.4.32";
    readonly List<string> _temps = [];

    public void Dispose()
    {
        foreach (var path in _temps) File.Delete(path);
    }

    [Fact]
    public void Read_ListsEveryVernauxWithItsFlagOffset()
    {
        var path = Temp(SyntheticElf.Library(("libstdc++.so.6", [(Glibcxx3430, 2), (Glibcxx3432, 3)])));

        var needs = ElfVersionNeeds.Read(path);

        Assert.Equal(2, needs.Count);
        Assert.All(needs, n => Assert.Equal("libstdc++.so.6", n.File));
        Assert.Equal([Glibcxx3430, Glibcxx3432], needs.Select(n => n.Version));
        Assert.All(needs, n => Assert.Equal(0, n.Flags));
        // Verneed header is 16 bytes, each Vernaux 16, vna_flags 4 bytes into a Vernaux.
        var section = SyntheticElf.VerneedOffset;
        Assert.Equal([section + 16 + 4, section + 32 + 4], needs.Select(n => n.FlagsOffset));
    }

    [Fact]
    public void MarkWeak_SetsOnlyTheNamedFlagAndIsIdempotent()
    {
        var path = Temp(SyntheticElf.Library(("libstdc++.so.6", [(Glibcxx3430, 2), (Glibcxx3432, 3)])));
        var before = File.ReadAllBytes(path);
        var target = ElfVersionNeeds.Read(path).Single(n => n.Version == Glibcxx3432);

        Assert.True(ElfVersionNeeds.MarkWeak(path, Glibcxx3432));

        var after = File.ReadAllBytes(path);
        AssertOnlyFlagBytesChanged(before, after, target.FlagsOffset);
        Assert.Equal(ElfVersionNeeds.VerFlagWeak, BinaryPrimitives.ReadUInt16LittleEndian(after.AsSpan((int)target.FlagsOffset)));
        var needs = ElfVersionNeeds.Read(path);
        Assert.Equal(ElfVersionNeeds.VerFlagWeak, needs.Single(n => n.Version == Glibcxx3432).Flags);
        Assert.Equal(0, needs.Single(n => n.Version == Glibcxx3430).Flags);

        Assert.False(ElfVersionNeeds.MarkWeak(path, Glibcxx3432));
        Assert.Equal(after, File.ReadAllBytes(path));
    }

    [Fact]
    public void MarkWeak_AbsentVersionChangesNothing()
    {
        var bytes = SyntheticElf.Library(("libstdc++.so.6", [(Glibcxx3430, 2), (Glibcxx3432, 3)]));
        var path = Temp(bytes);

        Assert.False(ElfVersionNeeds.MarkWeak(path, "GLIBCXX_9.9.99"));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("empty")]
    [InlineData("header-only")]
    [InlineData("sections-cut")]
    [InlineData("big-endian")]
    [InlineData("elf32")]
    public void Read_RejectsInvalidInput(string kind)
    {
        var valid = SyntheticElf.Library(("libstdc++.so.6", [(Glibcxx3430, 2)]));
        byte[] bytes = kind switch
        {
            "garbage" => Encoding.ASCII.GetBytes(new string('x', 200)),
            "empty" => [],
            "header-only" => valid[..40],
            "sections-cut" => valid[..^10],
            "big-endian" => Patched(valid, 5, 2),
            "elf32" => Patched(valid, 4, 1),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var path = Temp(bytes);

        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(path));
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.MarkWeak(path, Glibcxx3430));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void HostProvides_ReadsVerdefNames()
    {
        var host = Temp(SyntheticElf.Host("libstdc++.so.6", "GLIBCXX_3.4", Glibcxx3430));

        Assert.True(ElfVersionNeeds.HostProvides(host, Glibcxx3430));
        Assert.True(ElfVersionNeeds.HostProvides(host, "GLIBCXX_3.4"));
        Assert.False(ElfVersionNeeds.HostProvides(host, Glibcxx3432));
    }

    [Fact]
    public void PatchIfHostLacks_WeakensOnlyMissingLibStdCxxNeeds()
    {
        var host = Temp(SyntheticElf.Host("libstdc++.so.6", "GLIBCXX_3.4", Glibcxx3430));
        var lib = Temp(SyntheticElf.Library(
            ("libm.so.6", [("GLIBC_2.99", 2)]),
            ("libstdc++.so.6", [(Glibcxx3430, 3), (Glibcxx3432, 4)])));

        Assert.True(ElfVersionNeeds.PatchIfHostLacks(lib, host));

        var flags = ElfVersionNeeds.Read(lib).ToDictionary(n => n.Version, n => n.Flags);
        Assert.Equal(ElfVersionNeeds.VerFlagWeak, flags[Glibcxx3432]);
        Assert.Equal(0, flags[Glibcxx3430]);
        Assert.Equal(0, flags["GLIBC_2.99"]); // not libstdc++: never ours to weaken
        Assert.False(ElfVersionNeeds.PatchIfHostLacks(lib, host));
    }

    [Fact]
    public void PatchIfHostLacks_LeavesNeedsOfRelocatedSymbolsStrong()
    {
        var host = Temp(SyntheticElf.Host("libstdc++.so.6", Glibcxx3430));
        var lib = Temp(SyntheticElf.LibraryWithRelocations(
            relocatedIndexes: [2], ("libstdc++.so.6", [("GLIBCXX_3.4.31", 2), (Glibcxx3432, 3)])));

        Assert.True(ElfVersionNeeds.HasRelocatedSymbols(lib, "GLIBCXX_3.4.31"));
        Assert.False(ElfVersionNeeds.HasRelocatedSymbols(lib, Glibcxx3432));
        Assert.True(ElfVersionNeeds.PatchIfHostLacks(lib, host));

        var flags = ElfVersionNeeds.Read(lib).ToDictionary(n => n.Version, n => n.Flags);
        Assert.Equal(0, flags["GLIBCXX_3.4.31"]);
        Assert.Equal(ElfVersionNeeds.VerFlagWeak, flags[Glibcxx3432]);
    }

    [CachedTorchSharpFact]
    public void RealLibTorchSharp_MarkWeakFlipsOnlyTheGlibcxx3432Flag()
    {
        var original = TestData.CachedLibTorchSharp()!;

        var copy = Temp(File.ReadAllBytes(original));
        var before = File.ReadAllBytes(copy);
        var needsBefore = ElfVersionNeeds.Read(copy);
        var target = needsBefore.Single(n => n.File == "libstdc++.so.6" && n.Version == Glibcxx3432);
        Assert.Equal(0, target.Flags);
        // Safe only because nothing relocates against the version: it is the ios_base_library_init marker.
        Assert.False(ElfVersionNeeds.HasRelocatedSymbols(copy, Glibcxx3432));
        Assert.True(ElfVersionNeeds.HasRelocatedSymbols(copy, Glibcxx3430));

        Assert.True(ElfVersionNeeds.MarkWeak(copy, Glibcxx3432));

        AssertOnlyFlagBytesChanged(before, File.ReadAllBytes(copy), target.FlagsOffset);
        var needsAfter = ElfVersionNeeds.Read(copy);
        Assert.Equal(needsBefore.Count, needsAfter.Count);
        foreach (var (was, now) in needsBefore.Zip(needsAfter))
            Assert.Equal(was.Version == Glibcxx3432 ? was with { Flags = ElfVersionNeeds.VerFlagWeak } : was, now);
    }

    [CachedTorchSharpFact]
    public void RealLibTorchSharp_PatchIfHostLacksAgainstHostLibStdCxx()
    {
        var original = TestData.CachedLibTorchSharp()!;
        var host = ElfVersionNeeds.FindHostLibrary("libstdc++.so.6");
        Assert.NotNull(host);

        var copy = Temp(File.ReadAllBytes(original));
        bool hostLacks3432 = !ElfVersionNeeds.HostProvides(host, Glibcxx3432);

        Assert.Equal(hostLacks3432, ElfVersionNeeds.PatchIfHostLacks(copy, host));

        var weak = ElfVersionNeeds.Read(copy).Where(n => n.Flags != 0).Select(n => n.Version);
        Assert.Equal(hostLacks3432 ? [Glibcxx3432] : Array.Empty<string>(), weak);
    }

    [LinuxFact]
    public void HostProvides_HostLibStdCxx()
    {
        var host = ElfVersionNeeds.FindHostLibrary("libstdc++.so.6");

        Assert.NotNull(host);
        Assert.True(ElfVersionNeeds.HostProvides(host, "GLIBCXX_3.4"));
        Assert.True(ElfVersionNeeds.HostProvides(host, Glibcxx3430)); // Debian 12 ships GCC 12's libstdc++
        Assert.False(ElfVersionNeeds.HostProvides(host, "GLIBCXX_9.9.99"));
    }

    [Fact]
    public void FindHostLibrary_UnknownSonameIsNull()
    {
        Assert.Null(ElfVersionNeeds.FindHostLibrary("libpsrnn-does-not-exist.so.42"));
    }


    /// <summary>Asserts that the files differ, and only within the 2-byte vna_flags at <paramref name="flagsOffset"/>.</summary>
    static void AssertOnlyFlagBytesChanged(byte[] before, byte[] after, long flagsOffset)
    {
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, i => Assert.InRange(i, flagsOffset, flagsOffset + 1));
    }

    static byte[] Patched(byte[] bytes, int at, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] = value;
        return copy;
    }

    string Temp(byte[] contents)
    {
        var path = Path.GetTempFileName();
        _temps.Add(path);
        File.WriteAllBytes(path, contents);
        return path;
    }
}
