using System.Runtime.CompilerServices;
using PSRnn.Build;
using PSRnn.Engine.Native;

namespace PSRnn.Tests;

/// <summary>
/// Loads libtorch for the test host the way the module does: natives by full path from the
/// output folder, with LibTorchSharp from a copy patched for this host's libstdc++ when needed.
/// </summary>
internal static class NativeSetup
{
    [ModuleInitializer]
    internal static void Load()
    {
        var folder = AppContext.BaseDirectory;
        var shipped = Path.Combine(folder, NativeLibraryLoader.LibTorchSharpFileName);
        string? patched = null;
        var libstdcxx = OperatingSystem.IsLinux() ? ElfVersionNeeds.FindHostLibrary(ElfVersionNeeds.LibStdCxx) : null;
        if (libstdcxx is not null)
        {
            var copy = Path.Combine(Path.GetTempPath(), $"psrnn-tests-{Environment.ProcessId}", Path.GetFileName(shipped));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(shipped, copy, overwrite: true);
            if (ElfVersionNeeds.PatchIfHostLacks(copy, libstdcxx)) patched = copy;
        }
        NativeLibraryLoader.Load(folder, patched);
        // Once mapped, the copy is no longer needed on disk (Linux keeps the mapping alive).
        if (patched is not null) Directory.Delete(Path.GetDirectoryName(patched)!, recursive: true);
    }
}
