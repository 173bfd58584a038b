using System.Runtime.CompilerServices;
using PSRnn.Build;
using PSRnn.Engine.Native;

namespace PSRnn.Tests;

/// <summary>
/// Loads libtorch for the test host the way the module does: natives by full path from the
/// output folder, with LibTorchSharp from a copy patched for this host's libstdc++ when needed and the oneMKL vendor shim.
/// </summary>
internal static class NativeSetup
{
    [ModuleInitializer]
    internal static void Load()
    {
        var folder = AppContext.BaseDirectory;
        var scratch = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"psrnn-tests-{Environment.ProcessId}")).FullName;
        string? patched = null;
        var libstdcxx = OperatingSystem.IsLinux() ? ElfVersionNeeds.FindHostLibrary(ElfVersionNeeds.LibStdCxx) : null;
        if (libstdcxx is not null)
        {
            var copy = Path.Combine(scratch, NativeLibraryLoader.LibTorchSharpFileName);
            File.Copy(Path.Combine(folder, NativeLibraryLoader.LibTorchSharpFileName), copy, overwrite: true);
            if (ElfVersionNeeds.PatchIfHostLacks(copy, libstdcxx)) patched = copy;
        }
        // The module's build writes the oneMKL vendor shim beside the natives; the test host writes its own.
        var shim = Path.Combine(scratch, MklVendorShim.FileName);
        MklVendorShim.Write(shim);
        NativeLibraryLoader.Load(folder, patched, shim);
        // Every kernel buffer of every test through the pool, however small the problem.
        PSRnn.Engine.Models.BufferPool.MinBytes = 0;
        // Once mapped, the copies are no longer needed on disk (Linux keeps the mappings alive).
        Directory.Delete(scratch, recursive: true);
    }
}
