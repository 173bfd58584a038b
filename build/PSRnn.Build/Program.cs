using PSRnn.Build;

// build.ps1: PSRnn.Build weaken-missing-versions <library>
// Marks weak, in <library>, the libstdc++ version needs this host's libstdc++ lacks; says what it did.
if (args is not ["weaken-missing-versions", var library])
{
    Console.Error.WriteLine("usage: PSRnn.Build weaken-missing-versions <library>");
    return 2;
}
var libstdcxx = ElfVersionNeeds.FindHostLibrary(ElfVersionNeeds.LibStdCxx);
Console.WriteLine(libstdcxx is null ? "no host libstdc++ found: left as shipped"
    : ElfVersionNeeds.PatchIfHostLacks(library, libstdcxx) ? $"marked the versions {libstdcxx} lacks as weak"
    : $"{libstdcxx} has every version it needs: left as shipped");
return 0;
