using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace PSRnn.Build;

/// <summary>One Vernaux entry of .gnu.version_r: "File needs Version", with the file offset of its vna_flags.</summary>
public sealed record VersionNeed(string File, string Version, ushort Flags, long FlagsOffset);

/// <summary>
/// Reads and patches ELF64 little-endian symbol-version requirements. TorchSharp's prebuilt
/// libLibTorchSharp.so needs GLIBCXX_3.4.32 only for the marker _ZSt21ios_base_library_initv,
/// which nothing relocates; marking that need weak lets an older libstdc++ load it.
/// </summary>
public static class ElfVersionNeeds
{
    public const ushort VerFlagWeak = 0x2;
    public const string LibStdCxx = "libstdc++.so.6";

    const uint ShtRel = 9, ShtRela = 4, ShtDynSym = 11;
    const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

    public static IReadOnlyList<VersionNeed> Read(string path)
    {
        using var elf = ElfImage.Open(path, writable: false);
        return elf.ReadNeeds().Select(n => n.Need).ToList();
    }

    /// <summary>Sets VER_FLG_WEAK on every need named <paramref name="version"/>, touching only those flag bytes.</summary>
    public static bool MarkWeak(string path, string version)
    {
        using var elf = ElfImage.Open(path, writable: true);
        return elf.MarkWeak(elf.ReadNeeds().Where(n => n.Need.Version == version).Select(n => n.Need));
    }

    /// <summary>Whether a shared library defines <paramref name="version"/> in its .gnu.version_d.</summary>
    public static bool HostProvides(string libraryPath, string version)
    {
        using var elf = ElfImage.Open(libraryPath, writable: false);
        return elf.ReadDefinitions().Contains(version);
    }

    /// <summary>Locates a shared library by soname on Linux: ldconfig's cache first, then the usual dirs.</summary>
    public static string? FindHostLibrary(string soname)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var fromCache = FromLdconfigCache(soname);
        if (fromCache is not null) return fromCache;
        string[] dirs = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib"];
        return dirs.Select(d => Path.Combine(d, soname)).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Weakens each libstdc++.so.6 version need the host lacks. A need that some relocated symbol
    /// uses is left strong: weakening it would trade a clear load error for a crash at first call.
    /// </summary>
    public static bool PatchIfHostLacks(string libraryPath, string hostLibStdCxx)
    {
        HashSet<string> provided;
        using (var host = ElfImage.Open(hostLibStdCxx, writable: false)) provided = host.ReadDefinitions();

        using var elf = ElfImage.Open(libraryPath, writable: true);
        var missing = elf.ReadNeeds().Where(n => n.Need.File == LibStdCxx && !provided.Contains(n.Need.Version)).ToList();
        if (missing.Count == 0) return false;
        var used = elf.RelocatedVersionIndexes();
        return elf.MarkWeak(missing.Where(n => !used.Contains(n.Index)).Select(n => n.Need));
    }

    /// <summary>Whether any relocation refers to a symbol bound to <paramref name="version"/>.</summary>
    public static bool HasRelocatedSymbols(string path, string version)
    {
        using var elf = ElfImage.Open(path, writable: false);
        var used = elf.RelocatedVersionIndexes();
        return elf.ReadNeeds().Any(n => n.Need.Version == version && used.Contains(n.Index));
    }

    static string? FromLdconfigCache(string soname)
    {
        string? output = null;
        foreach (var exe in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig" })
        {
            if (exe.StartsWith('/') && !File.Exists(exe)) continue;
            try
            {
                using var p = Process.Start(new ProcessStartInfo(exe, "-p")
                {
                    RedirectStandardOutput = true, UseShellExecute = false,
                });
                if (p is null) continue;
                output = p.StandardOutput.ReadToEnd();
                p.WaitForExit(5000);
                break;
            }
            catch (System.ComponentModel.Win32Exception) { } // not on PATH: try the next one
        }
        if (output is null) return null;

        // Lines look like: "\tlibstdc++.so.6 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libstdc++.so.6".
        string? archTag = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x86-64",
            Architecture.Arm64 => "AArch64",
            _ => null,
        };
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            int arrow = line.IndexOf("=> ", StringComparison.Ordinal);
            if (arrow < 0 || !line.StartsWith(soname + " (", StringComparison.Ordinal)) continue;
            var tag = line[(soname.Length + 2)..Math.Max(soname.Length + 2, line.IndexOf(')'))];
            var target = line[(arrow + 3)..].Trim();
            // A 32-bit entry would be the wrong library for this process.
            if (archTag is not null && !tag.Contains(archTag, StringComparison.Ordinal)) continue;
            if (File.Exists(target)) return target;
        }
        return null;
    }

    readonly record struct Section(uint Type, long Offset, long Size, uint Link, long EntSize);

    readonly record struct RawNeed(VersionNeed Need, ushort Index);

    /// <summary>Random-access view of one ELF64 LE file; never loads the whole file (libtorch_cpu is ~460 MB).</summary>
    sealed class ElfImage : IDisposable
    {
        readonly FileStream _stream;
        readonly string _path;
        readonly Section[] _sections;

        ElfImage(FileStream stream, string path)
        {
            _stream = stream;
            _path = path;
            _sections = ReadSections();
        }

        public static ElfImage Open(string path, bool writable)
        {
            var stream = new FileStream(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.Read);
            try { return new ElfImage(stream, path); }
            catch { stream.Dispose(); throw; }
        }

        public void Dispose() => _stream.Dispose();

        public List<RawNeed> ReadNeeds()
        {
            var needs = new List<RawNeed>();
            foreach (var sec in _sections.Where(s => s.Type == ShtGnuVerneed))
            {
                var strtab = LinkedSection(sec);
                long vn = sec.Offset;
                for (int guard = 0; guard < 4096; guard++)
                {
                    var h = Bytes(vn, 16);
                    ushort count = U16(h, 2);
                    string file = String(strtab, U32(h, 4));
                    long aux = vn + U32(h, 8);
                    for (int i = 0; i < count; i++)
                    {
                        var a = Bytes(aux, 16);
                        var need = new VersionNeed(file, String(strtab, U32(a, 8)), U16(a, 4), aux + 4);
                        needs.Add(new RawNeed(need, (ushort)(U16(a, 6) & 0x7fff)));
                        if (U32(a, 12) == 0) break;
                        aux += U32(a, 12);
                    }
                    uint next = U32(h, 12);
                    if (next == 0) break;
                    vn += next;
                }
            }
            return needs;
        }

        public HashSet<string> ReadDefinitions()
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var sec in _sections.Where(s => s.Type == ShtGnuVerdef))
            {
                var strtab = LinkedSection(sec);
                long vd = sec.Offset;
                for (int guard = 0; guard < 4096; guard++)
                {
                    var h = Bytes(vd, 20);
                    // The first Verdaux names the version itself; later ones name its parents.
                    if (U16(h, 6) > 0) names.Add(String(strtab, U32(Bytes(vd + U32(h, 12), 8), 0)));
                    uint next = U32(h, 16);
                    if (next == 0) break;
                    vd += next;
                }
            }
            return names;
        }

        /// <summary>Version indexes (as in .gnu.version) of every dynamic symbol that a relocation names.</summary>
        public HashSet<ushort> RelocatedVersionIndexes()
        {
            var result = new HashSet<ushort>();
            int dynsym = Array.FindIndex(_sections, s => s.Type == ShtDynSym);
            var versym = _sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
            if (dynsym < 0 || versym.Type == 0) return result;
            var versions = Bytes(versym.Offset, checked((int)versym.Size));
            foreach (var rel in _sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsym))
            {
                long entSize = rel.EntSize > 0 ? rel.EntSize : rel.Type == ShtRela ? 24 : 16;
                var table = Bytes(rel.Offset, checked((int)rel.Size));
                for (long off = 0; off + entSize <= table.Length; off += entSize)
                {
                    long sym = (long)(BinaryPrimitives.ReadUInt64LittleEndian(table.AsSpan((int)off + 8, 8)) >> 32);
                    if (sym != 0 && sym * 2 + 2 <= versions.Length) result.Add((ushort)(U16(versions, (int)sym * 2) & 0x7fff));
                }
            }
            return result;
        }

        public bool MarkWeak(IEnumerable<VersionNeed> needs)
        {
            bool changed = false;
            Span<byte> flags = stackalloc byte[2];
            foreach (var need in needs.Where(n => (n.Flags & VerFlagWeak) == 0))
            {
                BinaryPrimitives.WriteUInt16LittleEndian(flags, (ushort)(need.Flags | VerFlagWeak));
                _stream.Position = need.FlagsOffset;
                _stream.Write(flags);
                changed = true;
            }
            _stream.Flush();
            return changed;
        }

        Section[] ReadSections()
        {
            var ident = Bytes(0, 64, "too short for an ELF header");
            if (ident[0] != 0x7f || ident[1] != (byte)'E' || ident[2] != (byte)'L' || ident[3] != (byte)'F')
                throw Invalid("not an ELF file (bad magic)");
            if (ident[4] != 2) throw Invalid("not a 64-bit ELF file");
            if (ident[5] != 1) throw Invalid("not a little-endian ELF file");

            long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(ident.AsSpan(0x28));
            int entSize = U16(ident, 0x3A);
            long count = U16(ident, 0x3C);
            if (shoff == 0) return [];
            if (entSize != 64) throw Invalid($"unexpected section header size {entSize}");
            // With 0xff00+ sections the real count lives in section 0's sh_size.
            if (count == 0) count = (long)BinaryPrimitives.ReadUInt64LittleEndian(Bytes(shoff, 64).AsSpan(32));
            if (count > 65536) throw Invalid($"implausible section count {count}");

            var table = Bytes(shoff, checked((int)count * 64), "section header table is truncated");
            var sections = new Section[count];
            for (int i = 0; i < count; i++)
            {
                var s = table.AsSpan(i * 64, 64);
                sections[i] = new Section(
                    BinaryPrimitives.ReadUInt32LittleEndian(s[4..]),
                    (long)BinaryPrimitives.ReadUInt64LittleEndian(s[24..]),
                    (long)BinaryPrimitives.ReadUInt64LittleEndian(s[32..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(s[40..]),
                    (long)BinaryPrimitives.ReadUInt64LittleEndian(s[56..]));
                if (sections[i].Type != 8 && sections[i].Size > 0 && sections[i].Offset + sections[i].Size > _stream.Length)
                    throw Invalid($"section {i} extends past the end of the file"); // 8 = SHT_NOBITS
            }
            return sections;
        }

        Section LinkedSection(Section sec) =>
            sec.Link < _sections.Length ? _sections[sec.Link] : throw Invalid($"bad sh_link {sec.Link}");

        string String(Section strtab, uint offset)
        {
            if (offset >= strtab.Size) throw Invalid($"string offset {offset} outside its table");
            var buf = Bytes(strtab.Offset + offset, (int)Math.Min(strtab.Size - offset, 4096));
            int end = Array.IndexOf(buf, (byte)0);
            if (end < 0) throw Invalid("unterminated string");
            return Encoding.UTF8.GetString(buf, 0, end);
        }

        byte[] Bytes(long offset, int count, string? what = null)
        {
            if (offset < 0 || count < 0 || offset + count > _stream.Length)
                throw Invalid(what ?? $"truncated: {count} bytes at 0x{offset:x} are past the end of the file");
            var buf = new byte[count];
            _stream.Position = offset;
            _stream.ReadExactly(buf);
            return buf;
        }

        InvalidDataException Invalid(string why) => new($"{_path}: {why}.");
    }

    static ushort U16(byte[] b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at, 2));

    static uint U32(byte[] b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at, 4));
}
