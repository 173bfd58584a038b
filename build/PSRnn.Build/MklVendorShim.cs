using System.Text;

namespace PSRnn.Build;

/// <summary>
/// Writes the module's oneMKL vendor shim: the smallest well-formed ELF64 x86-64 shared object that
/// defines one function, <c>int mkl_serv_intel_cpu_true(void) { return 1; }</c>. oneMKL, linked
/// into libtorch_cpu.so, asks that function whether the CPU is Intel's before it takes its fast
/// code paths, and libtorch_cpu.so calls it through its PLT, so a definition in the process's
/// global scope answers for it. The image is laid out by hand (no compiler is needed on a user's
/// machine): headers, hash table, symbols, strings and code in one read-and-execute page, the
/// dynamic section in a writable page of its own (older glibc relocates it in place), then the
/// section headers that let readelf and objdump show what the file holds.
/// </summary>
public static class MklVendorShim
{
    public const string SymbolName = "mkl_serv_intel_cpu_true";
    public const string FileName = "libpsrnn_mkl_vendor.so";

    // mov eax, 1 ; ret
    private static readonly byte[] Code = { 0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3 };

    private const int HeaderSize = 64, ProgramHeaderSize = 56, SectionHeaderSize = 64, SymbolSize = 24, DynamicSize = 16;
    private const int ProgramHeaders = 4, Page = 0x1000;
    private const ushort TextSection = 4;

    /// <summary>Writes the shim to <paramref name="path"/> through a temporary file, so a reader never sees half of it.</summary>
    public static void Write(string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, Image());
        File.Move(temporary, path, overwrite: true);
    }

    public static byte[] Image()
    {
        var dynstr = StringTable(out var dynstrOffsets, SymbolName, FileName);
        var shstrtab = StringTable(out var sectionNames, ".hash", ".dynsym", ".dynstr", ".text", ".dynamic", ".shstrtab");

        // Read-and-execute page: ELF header, program headers, .hash, .dynsym, .dynstr, .text.
        long hash = HeaderSize + ProgramHeaders * ProgramHeaderSize;
        long hashSize = 5 * 4;                       // nbucket = 1, nchain = 2, bucket[0] = 1, chain = {0, 0}
        long dynsym = Align(hash + hashSize, 8), dynsymSize = 2 * SymbolSize;
        long dynstrAt = dynsym + dynsymSize;
        long text = Align(dynstrAt + dynstr.Length, 16);
        long textEnd = text + Code.Length;
        // Writable page: .dynamic. Then, not loaded: .shstrtab and the section headers.
        long dynamic = Page;
        var dynamicEntries = new (long Tag, long Value)[]
        {
            (4, hash),                          // DT_HASH
            (5, dynstrAt),                      // DT_STRTAB
            (6, dynsym),                        // DT_SYMTAB
            (10, dynstr.Length),                // DT_STRSZ
            (11, SymbolSize),                   // DT_SYMENT
            (14, dynstrOffsets[2]),             // DT_SONAME
            (0, 0),                             // DT_NULL
        };
        long dynamicSize = dynamicEntries.Length * DynamicSize;
        long shstrtabAt = dynamic + dynamicSize;
        long sectionHeaders = Align(shstrtabAt + shstrtab.Length, 8);

        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);   // little-endian, as x86-64 is

        // ELF header: ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ET_DYN, EM_X86_64.
        w.Write(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
        w.Write((ushort)3); w.Write((ushort)62); w.Write(1u);
        w.Write(0L);                                // e_entry
        w.Write((long)HeaderSize);                  // e_phoff
        w.Write(sectionHeaders);                    // e_shoff
        w.Write(0u);                                // e_flags
        w.Write((ushort)HeaderSize); w.Write((ushort)ProgramHeaderSize); w.Write((ushort)ProgramHeaders);
        w.Write((ushort)SectionHeaderSize); w.Write((ushort)7); w.Write((ushort)6);

        const uint R = 4, W = 2, X = 1;
        ProgramHeader(w, 1, R | X, 0, textEnd, Page);                      // PT_LOAD
        ProgramHeader(w, 1, R | W, dynamic, dynamicSize, Page);            // PT_LOAD
        ProgramHeader(w, 2, R | W, dynamic, dynamicSize, 8);               // PT_DYNAMIC
        ProgramHeader(w, 0x6474E551, R | W, 0, 0, 16);                     // PT_GNU_STACK: no executable stack

        Pad(w, hash);
        foreach (var word in new uint[] { 1, 2, 1, 0, 0 }) w.Write(word);

        Pad(w, dynsym);
        Symbol(w, 0, 0, 0, 0, 0);
        Symbol(w, (uint)dynstrOffsets[1], 0x12, TextSection, text, Code.Length);   // STB_GLOBAL | STT_FUNC
        w.Write(dynstr);
        Pad(w, text);
        w.Write(Code);

        Pad(w, dynamic);
        foreach (var (tag, value) in dynamicEntries) { w.Write(tag); w.Write(value); }
        w.Write(shstrtab);

        Pad(w, sectionHeaders);
        const ulong Alloc = 2, Write = 1, Exec = 4;
        SectionHeader(w, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        SectionHeader(w, sectionNames[1], 5, Alloc, hash, hashSize, 2, 0, 4, 4);
        SectionHeader(w, sectionNames[2], 11, Alloc, dynsym, dynsymSize, 3, 1, 8, SymbolSize);
        SectionHeader(w, sectionNames[3], 3, Alloc, dynstrAt, dynstr.Length, 0, 0, 1, 0);
        SectionHeader(w, sectionNames[4], 1, Alloc | Exec, text, Code.Length, 0, 0, 16, 0);
        SectionHeader(w, sectionNames[5], 6, Alloc | Write, dynamic, dynamicSize, 3, 0, 8, DynamicSize);
        SectionHeader(w, sectionNames[6], 3, 0, shstrtabAt, shstrtab.Length, 0, 0, 1, 0, loaded: false);
        w.Flush();
        return stream.ToArray();
    }

    private static long Align(long value, long to) => (value + to - 1) / to * to;

    private static void Pad(BinaryWriter w, long offset)
    {
        if (w.BaseStream.Position > offset) throw new InvalidOperationException($"Layout overlap at 0x{offset:x}.");
        while (w.BaseStream.Position < offset) w.Write((byte)0);
    }

    /// <summary>A string table: the empty name every table starts with, then each name NUL-terminated; and each name's offset.</summary>
    private static byte[] StringTable(out int[] offsets, params string[] names)
    {
        offsets = new int[names.Length + 1];
        var bytes = new List<byte> { 0 };
        for (var i = 0; i < names.Length; i++)
        {
            offsets[i + 1] = bytes.Count;
            bytes.AddRange(Encoding.ASCII.GetBytes(names[i]));
            bytes.Add(0);
        }
        return bytes.ToArray();
    }

    // Segments map file offset = virtual address, so one value serves both.
    private static void ProgramHeader(BinaryWriter w, uint type, uint flags, long at, long size, long align)
    {
        w.Write(type); w.Write(flags);
        w.Write(at); w.Write(at); w.Write(at);   // p_offset, p_vaddr, p_paddr
        w.Write(size); w.Write(size);            // p_filesz, p_memsz
        w.Write(align);
    }

    private static void Symbol(BinaryWriter w, uint name, byte info, ushort section, long value, long size)
    {
        w.Write(name); w.Write(info); w.Write((byte)0); w.Write(section);
        w.Write(value); w.Write(size);
    }

    private static void SectionHeader(BinaryWriter w, int name, uint type, ulong flags, long at, long size,
        uint link, uint info, long align, long entrySize, bool loaded = true)
    {
        w.Write((uint)name); w.Write(type); w.Write(flags);
        w.Write(loaded ? at : 0L);               // sh_addr
        w.Write(at); w.Write(size);              // sh_offset, sh_size
        w.Write(link); w.Write(info);
        w.Write(align); w.Write(entrySize);
    }
}
