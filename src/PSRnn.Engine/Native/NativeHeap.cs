using System.Runtime.InteropServices;

namespace PSRnn.Engine.Native;

/// <summary>
/// glibc serves large blocks with fresh mmaps and hands freed memory at the top of its heap back to
/// the system; a training step frees and re-allocates the same few megabytes of sequence buffers every
/// batch, and the page faults on the fresh pages then cost as much as the step's GEMMs (a GRU 256 step:
/// ~1,800 faults, a quarter of its time). So large blocks up to 32 MB come from the heap, and up to
/// 64 MB of freed memory stays in each of glibc's arenas for the next batch. Memory use stays near its peak
/// instead of going up and down (flat across epochs). Linux with glibc only; nothing elsewhere. The
/// setting is the process's (PowerShell's too): <see cref="SwitchVariable"/>=0 leaves glibc's defaults.
/// </summary>
public static class NativeHeap
{
    public const string SwitchVariable = "PSRNN_MALLOC_TUNING";
    private const int TrimThreshold = -1, MmapThreshold = -3; // glibc's M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    private static int applied;

    internal static void RetainFreedMemory()
    {
        if (!OperatingSystem.IsLinux() || MklVendorGate.IsTurnedOff(Environment.GetEnvironmentVariable(SwitchVariable))) return;
        if (Interlocked.Exchange(ref applied, 1) == 1) return;
        try
        {
            mallopt(TrimThreshold, 64 << 20);
            mallopt(MmapThreshold, 32 << 20);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl has no such tuning): its default behaviour stays.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
