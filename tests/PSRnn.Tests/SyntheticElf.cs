using System.Text;

namespace PSRnn.Tests;

/// <summary>
/// Builds minimal ELF64 little-endian shared objects holding just what ElfVersionNeeds reads:
/// section headers, a string table, version needs/definitions and optionally relocated symbols.
/// </summary>
static class SyntheticElf
{
    /// <summary>.gnu.version_r is always laid out first, right after the 64-byte ELF header.</summary>
    public const long VerneedOffset = 64;

    const uint ShtStrtab = 3, ShtRela = 4, ShtDynsym = 11;
    const uint ShtVerdef = 0x6ffffffd, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;

    record Section(string Name, uint Type, byte[] Data, uint Link = 0, uint Info = 0, ulong EntSize = 0);

    public static byte[] Library(params (string File, (string Version, ushort Index)[] Aux)[] needs) =>
        LibraryWithRelocations([], needs);

    /// <summary>Adds one relocated dynamic symbol per entry of <paramref name="relocatedIndexes"/>, bound to that version index.</summary>
    public static byte[] LibraryWithRelocations(ushort[] relocatedIndexes, params (string File, (string Version, ushort Index)[] Aux)[] needs)
    {
        var dynstr = new StringTable();
        var verneed = new BinaryWriter(new MemoryStream());
        for (int n = 0; n < needs.Length; n++)
        {
            var (file, aux) = needs[n];
            verneed.Write((ushort)1); // vn_version
            verneed.Write((ushort)aux.Length);
            verneed.Write(dynstr.Add(file));
            verneed.Write(16u); // vn_aux: Vernaux entries follow their Verneed
            verneed.Write(n == needs.Length - 1 ? 0u : (uint)(16 + 16 * aux.Length));
            for (int i = 0; i < aux.Length; i++)
            {
                verneed.Write(ElfHash(aux[i].Version));
                verneed.Write((ushort)0); // vna_flags
                verneed.Write(aux[i].Index); // vna_other
                verneed.Write(dynstr.Add(aux[i].Version));
                verneed.Write(i == aux.Length - 1 ? 0u : 16u);
            }
        }

        // Section 1 is .gnu.version_r, 2 is .dynstr, 3 (if any) is .dynsym.
        var sections = new List<Section>
        {
            new(".gnu.version_r", ShtVerneed, Bytes(verneed), Link: 2, Info: (uint)needs.Length),
            new(".dynstr", ShtStrtab, dynstr.ToArray()),
        };
        if (relocatedIndexes.Length > 0)
        {
            var versym = new BinaryWriter(new MemoryStream());
            var rela = new BinaryWriter(new MemoryStream());
            versym.Write((ushort)0); // symbol 0 is the null symbol
            for (int i = 0; i < relocatedIndexes.Length; i++)
            {
                versym.Write(relocatedIndexes[i]);
                rela.Write(0UL); // r_offset
                rela.Write(((ulong)(i + 1) << 32) | 7); // r_info: symbol i+1, R_X86_64_JUMP_SLOT
                rela.Write(0L); // r_addend
            }
            sections.Add(new(".dynsym", ShtDynsym, new byte[24 * (relocatedIndexes.Length + 1)], Link: 2, Info: 1, EntSize: 24));
            sections.Add(new(".gnu.version", ShtVersym, Bytes(versym), Link: 3, EntSize: 2));
            sections.Add(new(".rela.plt", ShtRela, Bytes(rela), Link: 3, EntSize: 24));
        }
        return Build(sections);
    }

    /// <summary>A library defining <paramref name="versions"/>, after the base entry named by its soname.</summary>
    public static byte[] Host(string soname, params string[] versions)
    {
        var dynstr = new StringTable();
        var verdef = new BinaryWriter(new MemoryStream());
        string[] names = [soname, .. versions];
        for (int i = 0; i < names.Length; i++)
        {
            verdef.Write((ushort)1); // vd_version
            verdef.Write((ushort)(i == 0 ? 1 : 0)); // vd_flags: VER_FLG_BASE on the soname entry
            verdef.Write((ushort)(i + 1)); // vd_ndx
            verdef.Write((ushort)1); // vd_cnt
            verdef.Write(ElfHash(names[i]));
            verdef.Write(20u); // vd_aux: the Verdaux follows its Verdef
            verdef.Write(i == names.Length - 1 ? 0u : 28u);
            verdef.Write(dynstr.Add(names[i])); // vda_name
            verdef.Write(0u); // vda_next
        }
        return Build(
        [
            new(".gnu.version_d", ShtVerdef, Bytes(verdef), Link: 2, Info: (uint)names.Length),
            new(".dynstr", ShtStrtab, dynstr.ToArray()),
        ]);
    }

    static byte[] Build(List<Section> sections)
    {
        var shstrtab = new StringTable();
        var nameOffsets = sections.Select(s => shstrtab.Add(s.Name)).ToList();
        uint shstrtabName = shstrtab.Add(".shstrtab");
        var all = sections.Append(new Section(".shstrtab", ShtStrtab, shstrtab.ToArray())).ToList();
        nameOffsets.Add(shstrtabName);

        var file = new BinaryWriter(new MemoryStream());
        file.Write(new byte[64]); // ELF header, filled in below once offsets are known
        var offsets = new List<long>();
        foreach (var section in all)
        {
            Align(file);
            offsets.Add(file.BaseStream.Position);
            file.Write(section.Data);
        }
        Align(file);
        long shoff = file.BaseStream.Position;
        file.Write(new byte[64]); // section 0: SHT_NULL
        for (int i = 0; i < all.Count; i++)
        {
            file.Write(nameOffsets[i]);
            file.Write(all[i].Type);
            file.Write(2UL); // sh_flags: SHF_ALLOC
            file.Write((ulong)offsets[i]); // sh_addr: identity-mapped, as if loaded at 0
            file.Write((ulong)offsets[i]);
            file.Write((ulong)all[i].Data.Length);
            file.Write(all[i].Link);
            file.Write(all[i].Info);
            file.Write(8UL); // sh_addralign
            file.Write(all[i].EntSize);
        }

        file.Seek(0, SeekOrigin.Begin);
        file.Write([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0]); // ELFCLASS64, ELFDATA2LSB, EV_CURRENT
        file.Write(new byte[8]);
        file.Write((ushort)3); // ET_DYN
        file.Write((ushort)62); // EM_X86_64
        file.Write(1u); // e_version
        file.Write(0UL); // e_entry
        file.Write(0UL); // e_phoff: no program headers, only sections matter here
        file.Write((ulong)shoff);
        file.Write(0u); // e_flags
        file.Write((ushort)64); // e_ehsize
        file.Write((ushort)56); // e_phentsize
        file.Write((ushort)0); // e_phnum
        file.Write((ushort)64); // e_shentsize
        file.Write((ushort)(all.Count + 1));
        file.Write((ushort)all.Count); // e_shstrndx: .shstrtab is last
        return Bytes(file);
    }

    static void Align(BinaryWriter w)
    {
        while (w.BaseStream.Position % 8 != 0) w.Write((byte)0);
    }

    static byte[] Bytes(BinaryWriter w) => ((MemoryStream)w.BaseStream).ToArray();

    /// <summary>The SysV ELF hash that vna_hash/vd_hash carry; the loader compares it before names.</summary>
    static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (byte c in Encoding.ASCII.GetBytes(name))
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    sealed class StringTable
    {
        readonly MemoryStream _bytes = new();
        readonly Dictionary<string, uint> _offsets = [];

        public StringTable() => _bytes.WriteByte(0); // offset 0 is the empty string

        public uint Add(string s)
        {
            if (_offsets.TryGetValue(s, out var at)) return at;
            at = (uint)_bytes.Position;
            _bytes.Write(Encoding.UTF8.GetBytes(s));
            _bytes.WriteByte(0);
            return _offsets[s] = at;
        }

        public byte[] ToArray() => _bytes.ToArray();
    }
}
