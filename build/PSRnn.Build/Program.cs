using PSRnn.Build;

// build.ps1: PSRnn.Build weaken-missing-versions <library>
//   Marks weak, in <library>, the libstdc++ version needs this host's libstdc++ lacks; says what it did.
// build.ps1: PSRnn.Build write-mkl-vendor-shim <path>
//   Writes the oneMKL vendor shim (MklVendorShim) the module loads on non-Intel x86-64 CPUs.
switch (args)
{
    case ["weaken-missing-versions", var library]:
        var libstdcxx = ElfVersionNeeds.FindHostLibrary(ElfVersionNeeds.LibStdCxx);
        Console.WriteLine(libstdcxx is null ? "no host libstdc++ found: left as shipped"
            : ElfVersionNeeds.PatchIfHostLacks(library, libstdcxx) ? $"marked the versions {libstdcxx} lacks as weak"
            : $"{libstdcxx} has every version it needs: left as shipped");
        return 0;
    case ["write-mkl-vendor-shim", var path]:
        MklVendorShim.Write(path);
        Console.WriteLine($"wrote {path} ({new FileInfo(path).Length} bytes): {MklVendorShim.SymbolName} answers 1");
        return 0;
    default:
        Console.Error.WriteLine("usage: PSRnn.Build weaken-missing-versions <library> | write-mkl-vendor-shim <path>");
        return 2;
}
