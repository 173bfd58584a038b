namespace PSRnn.Engine.Resources;

/// <summary>
/// Refuses work whose memory cannot fit before it is allocated, so that a hidden size of 100,000 or a
/// generation of 2^31 tokens is a clear error rather than a crash inside libtorch's allocator.
/// </summary>
public static class MemoryBudget
{
    /// <summary>
    /// Bytes the process could still take: Linux's MemAvailable (free plus reclaimable cache), capped by
    /// the runtime's limit (a container's); elsewhere the runtime's figure.
    /// </summary>
    public static long AvailableBytes
    {
        get
        {
            var limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            return MemAvailable() is { } free ? Math.Min(free, limit) : limit;
        }
    }

    /// <summary>Throws <see cref="MemoryLimitException"/> when <paramref name="bytes"/> (checked arithmetic) exceeds what is available.</summary>
    public static void Require(Func<long> bytes, string what, string advice)
    {
        long needed;
        try
        {
            needed = bytes();
        }
        catch (OverflowException)
        {
            needed = long.MaxValue;
        }
        var available = AvailableBytes;
        if (needed > available) throw new MemoryLimitException(needed, available, what, advice);
    }

    private static long? MemAvailable()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var kilobytes = line["MemAvailable:".Length..].Trim().Split(' ')[0];
                return long.TryParse(kilobytes, out var kb) ? kb * 1024 : null;
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    internal static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):N1} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):N1} MiB",
        _ => $"{bytes / 1024.0:N0} KiB",
    };
}

/// <summary>Work refused because its memory would not fit; nothing was allocated.</summary>
public sealed class MemoryLimitException(long needed, long available, string what, string advice)
    : InvalidOperationException(
        (needed == long.MaxValue ? $"{what} needs more memory than any machine has" : $"{what} needs about {MemoryBudget.Format(needed)} of memory") +
        $", but {MemoryBudget.Format(available)} is available. {advice}")
{
    public long Needed { get; } = needed;
    public long Available { get; } = available;
}
