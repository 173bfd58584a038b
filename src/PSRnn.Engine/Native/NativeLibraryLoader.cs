using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace PSRnn.Engine.Native;

/// <summary>
/// Loads libtorch and LibTorchSharp by full path before TorchSharp's own loader runs, so that a
/// system libtorch (e.g. Debian's python3-torch) or a NuGet cache can never be picked up instead.
/// </summary>
public static class NativeLibraryLoader
{
    private static readonly object Gate = new();
    private static IntPtr libTorchSharp;
    private static IntPtr libTorchCpu;

    /// <summary>Libraries in dependency order; a missing optional one is skipped.</summary>
    private static readonly (string Linux, string Windows, bool Required)[] LoadOrder =
    {
        ("libgomp-98b21ff3.so.1", "libiomp5md.dll", false),
        ("libc10.so", "c10.dll", true),
        ("libtorch_cpu.so", "torch_cpu.dll", true),
        ("libc10_cuda.so", "c10_cuda.dll", false),
        ("libtorch_cuda.so", "torch_cuda.dll", false),
        ("libtorch.so", "torch.dll", true),
    };

    public static string LibTorchSharpFileName =>
        OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : "libLibTorchSharp.so";

    public static bool IsLoaded => libTorchSharp != IntPtr.Zero;

    /// <summary>The address of one of LibTorchSharp's exports, or zero before <see cref="Load"/> or where it lacks it.</summary>
    internal static IntPtr LibTorchSharpExport(string name) =>
        IsLoaded && NativeLibrary.TryGetExport(libTorchSharp, name, out var address) ? address : IntPtr.Zero;

    /// <summary>An export of libtorch_cpu (its bundled oneMKL's, for one), or zero before <see cref="Load"/> or where it lacks it.</summary>
    internal static IntPtr LibTorchCpuExport(string name) =>
        libTorchCpu != IntPtr.Zero && NativeLibrary.TryGetExport(libTorchCpu, name, out var address) ? address : IntPtr.Zero;

    /// <summary>
    /// Loads the natives from <paramref name="directory"/> and points TorchSharp's P/Invokes at them.
    /// <paramref name="libTorchSharpPath"/> overrides where LibTorchSharp comes from (a patched copy),
    /// <paramref name="mklVendorShimPath"/> where the oneMKL vendor shim does (see <see cref="MklVendorGate"/>).
    /// Throws <see cref="NativeLoadException"/> naming the library and the loader's own reason.
    /// </summary>
    public static void Load(string directory, string? libTorchSharpPath = null, string? mklVendorShimPath = null)
    {
        lock (Gate)
        {
            if (IsLoaded) return;
            // Must precede libtorch_cpu.so: its PLT binds to the first definition in the global scope.
            MklVendorGate.Apply(mklVendorShimPath ?? Path.Combine(directory, MklVendorGate.ShimFileName));
            NativeHeap.RetainFreedMemory();
            foreach (var (linux, windows, required) in LoadOrder)
            {
                var path = Path.Combine(directory, OperatingSystem.IsWindows() ? windows : linux);
                if (!File.Exists(path))
                {
                    if (required) throw new NativeLoadException(path, "the file is missing");
                    continue;
                }
                var loaded = LoadOrThrow(path);
                if (linux == "libtorch_cpu.so") libTorchCpu = loaded;
            }
            var handle = LoadOrThrow(libTorchSharpPath ?? Path.Combine(directory, LibTorchSharpFileName));
            // Every DllImport("LibTorchSharp") and TorchSharp's own NativeLibrary.TryLoad go through this resolver.
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
            libTorchSharp = handle;
            if (!torch.TryInitializeDeviceType(DeviceType.CPU))
                throw new NativeLoadException(directory, "libtorch loaded but TorchSharp could not initialise the CPU backend.");
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name.Contains("LibTorchSharp", StringComparison.OrdinalIgnoreCase) ? libTorchSharp : IntPtr.Zero;

    private static IntPtr LoadOrThrow(string path)
    {
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            // .NET wraps the loader's own words (e.g. dlerror's) in generic advice; keep the loader's line.
            var reason = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
            throw new NativeLoadException(path, reason);
        }
    }
}

/// <summary>A native library of the module's own folder failed to load; the message carries the loader's reason.</summary>
public sealed class NativeLoadException(string path, string reason)
    : Exception($"PSRnn could not load the native library '{path}': {reason}. " +
                "Rebuild the module with 'dotnet pwsh ./build.ps1' (it publishes libtorch beside the module and adapts it to this system).")
{
    public string LibraryPath { get; } = path;
    public string Reason { get; } = reason;
}
