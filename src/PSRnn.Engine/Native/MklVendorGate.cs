using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace PSRnn.Engine.Native;

/// <summary>How oneMKL inside libtorch decides which code paths to take in this process.</summary>
public enum MklVendorPath
{
    /// <summary>Not decided yet: libtorch has not been loaded.</summary>
    NotLoaded,
    /// <summary>An Intel CPU: oneMKL's vendor check passes by itself; the shim is not loaded.</summary>
    IntelCpu,
    /// <summary>A non-Intel x86-64 CPU with the shim in the global scope: the vendor check is answered "Intel".</summary>
    Answered,
    /// <summary>A non-Intel CPU with the shim turned off by <see cref="MklVendorGate.SwitchVariable"/>: oneMKL's generic paths.</summary>
    TurnedOff,
    /// <summary>Not Linux x86-64 (on Windows torch_cpu.dll binds oneMKL internally), or the shim is not in the module folder.</summary>
    NotApplicable,
}

/// <summary>
/// oneMKL, linked into libtorch_cpu.so, takes its fast GEMM paths only when
/// <c>mkl_serv_intel_cpu_true()</c> says the CPU is Intel's; on AMD CPUs it answers 0 and oneMKL
/// runs generic code at about half the speed. libtorch_cpu.so calls that function through its PLT,
/// so a definition in the process's global scope, loaded before libtorch_cpu.so, is the one it
/// binds to. The shim (written by the build as <see cref="ShimFileName"/>) is that definition and
/// nothing else: oneMKL still chooses its kernels from the instruction sets CPUID reports, so only
/// the vendor gate is answered, never an instruction set the CPU lacks.
/// </summary>
public static class MklVendorGate
{
    public const string ShimFileName = "libpsrnn_mkl_vendor.so";
    public const string SymbolName = "mkl_serv_intel_cpu_true";

    /// <summary>Set to 0 (or off, false, no) to leave oneMKL's vendor check alone.</summary>
    public const string SwitchVariable = "PSRNN_MKL_VENDOR_SHIM";

    private const int RtldNow = 2, RtldGlobal = 0x100;

    public static MklVendorPath Path { get; private set; } = MklVendorPath.NotLoaded;

    /// <summary>The CPU's vendor string from CPUID leaf 0 ("GenuineIntel", "AuthenticAMD", ...), or "" off x86.</summary>
    public static string CpuVendor { get; } = ReadCpuVendor();

    /// <summary>One line for -Verbose: which path oneMKL takes here and why.</summary>
    public static string Description => Path switch
    {
        MklVendorPath.IntelCpu => "oneMKL: Intel CPU, its own fast paths (no shim needed).",
        MklVendorPath.Answered => $"oneMKL: {CpuVendor} CPU, vendor check answered by {ShimFileName}: fast paths for the instruction sets CPUID reports (set {SwitchVariable}=0 to turn off).",
        MklVendorPath.TurnedOff => $"oneMKL: {CpuVendor} CPU, vendor shim turned off by {SwitchVariable}: generic code paths.",
        MklVendorPath.NotApplicable => OperatingSystem.IsWindows()
            ? "oneMKL: Windows, where torch_cpu.dll binds oneMKL internally; its vendor check cannot be answered from outside."
            : $"oneMKL: vendor shim not applicable here ({RuntimeInformation.OSArchitecture}, or {ShimFileName} not beside the module).",
        _ => "oneMKL: libtorch not loaded yet.",
    };

    /// <summary>True when a switch variable (<see cref="SwitchVariable"/>, <see cref="NativeHeap.SwitchVariable"/>) asks for its tuning to stay off.</summary>
    public static bool IsTurnedOff(string? value) =>
        value?.Trim().ToLowerInvariant() is "0" or "off" or "false" or "no";

    /// <summary>Before libtorch_cpu.so loads: puts the shim at <paramref name="shimPath"/> in the global scope when it applies.</summary>
    internal static void Apply(string shimPath)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64 || !File.Exists(shimPath))
            Path = MklVendorPath.NotApplicable;
        else if (CpuVendor == "GenuineIntel")
            Path = MklVendorPath.IntelCpu;
        else if (IsTurnedOff(Environment.GetEnvironmentVariable(SwitchVariable)))
            Path = MklVendorPath.TurnedOff;
        else
            Path = LoadGlobally(shimPath);
    }

    private static MklVendorPath LoadGlobally(string shimPath)
    {
        // .NET's NativeLibrary.Load opens libraries RTLD_LOCAL; the shim must be global to interpose.
        var handle = dlopen(shimPath, RtldNow | RtldGlobal);
        if (handle == IntPtr.Zero)
            throw new NativeLoadException(shimPath, Marshal.PtrToStringUTF8(dlerror()) ?? "dlopen failed");
        // Active only if a global lookup of the symbol, as libtorch_cpu.so's PLT will make, finds the shim's.
        var global = dlsym(IntPtr.Zero, SymbolName);
        return global != IntPtr.Zero && global == dlsym(handle, SymbolName) ? MklVendorPath.Answered : MklVendorPath.NotApplicable;
    }

    private static string ReadCpuVendor()
    {
        if (!X86Base.IsSupported) return "";
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), ebx);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), edx);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), ecx);
        return Encoding.ASCII.GetString(bytes);
    }

    // libdl.so.2 exists on every glibc (since 2.34 a forwarder to libc.so.6).
    [DllImport("libdl.so.2")]
    private static extern IntPtr dlopen(string file, int mode);

    [DllImport("libdl.so.2")]
    private static extern IntPtr dlsym(IntPtr handle, string symbol);

    [DllImport("libdl.so.2")]
    private static extern IntPtr dlerror();
}
