using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PSRnn.Engine.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// Large CPU buffers of the sequence kernels from blocks this process keeps, so every batch reuses the
/// last batch's memory. Why not libtorch's allocator: it asks for 64-byte-aligned blocks, and glibc
/// before 2.38 (Debian 12 has 2.36) serves an aligned request from a free chunk only if the chunk is
/// larger by the alignment plus a header; a freed buffer then never serves the next request of its own
/// size, the same sizes every batch leave holes, and the heap grows onto fresh pages whose faults cost
/// time (measured: 78 MB in use, 600-900 MB of heap after 150 scratch LSTM 256 batches).
/// A tensor from here wraps its block with libtorch's from_blob (LibTorchSharp's THSTensor_new) and a
/// deleter, so the block comes back when libtorch frees the storage (views and autograd's saved
/// copies included), on whatever thread frees it. At most <see cref="MaxCachedBytes"/> wait for reuse;
/// the rest go back to the system. Elsewhere (CUDA, other types, small sizes) it is torch.empty.
/// </summary>
internal static unsafe class BufferPool
{
    /// <summary>
    /// Smaller buffers come from libtorch: glibc's bins serve those well. The tests set 0, so their
    /// tiny problems run every kernel buffer through the pool too.
    /// </summary>
    internal static long MinBytes { get; set; } = 64 << 10;
    public const long MaxCachedBytes = 512L << 20;
    private const nuint Alignment = 64;

    private static readonly Dictionary<long, Stack<IntPtr>> free = new();
    private static readonly Dictionary<IntPtr, long> lent = new();
    private static long cachedBytes;

    // THSTensor_new(data, deleter, sizes, dimensions, element type, tensor type, device type, device index, requires_grad).
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, long*, int, sbyte, sbyte, int, int, byte, IntPtr> fromBlob =
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, long*, int, sbyte, sbyte, int, int, byte, IntPtr>)NativeLibraryLoader.LibTorchSharpExport("THSTensor_new");

    /// <summary>Bytes of blocks waiting for reuse.</summary>
    public static long CachedBytes { get { lock (free) return cachedBytes; } }

    /// <summary>Blocks of exactly <paramref name="bytes"/> waiting for reuse.</summary>
    public static int CachedBlocks(long bytes) { lock (free) return free.TryGetValue(bytes, out var blocks) ? blocks.Count : 0; }

    /// <summary>Blocks of exactly <paramref name="bytes"/> held by live tensors.</summary>
    public static int LentBlocks(long bytes) { lock (free) return lent.Values.Count(size => size == bytes); }

    /// <summary>An uninitialised contiguous tensor, like <c>torch.empty</c>.</summary>
    public static Tensor Empty(long[] shape, ScalarType dtype, Device device)
    {
        var bytes = shape.Aggregate(1L, (product, size) => product * size) * ElementSize(dtype);
        if (device.type != DeviceType.CPU || bytes == 0 || bytes < MinBytes || fromBlob == null) return empty(shape, dtype, device);
        var block = Rent(bytes);
        IntPtr handle;
        fixed (long* sizes = shape)
            handle = fromBlob(block, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, void>)&Release, sizes, shape.Length, (sbyte)dtype, (sbyte)dtype, 0, 0, 0);
        if (handle == IntPtr.Zero)
        {
            Return(block);
            torch.CheckForErrors();
        }
        return Tensor.UnsafeCreateTensor(handle);
    }

    public static Tensor EmptyLike(Tensor like) => Empty(like.shape, like.dtype, like.device);

    /// <summary>A private contiguous copy.</summary>
    public static Tensor Copy(Tensor source) => EmptyLike(source).copy_(source);

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        _ => 0, // other types are not pooled
    };

    private static IntPtr Rent(long bytes)
    {
        lock (free)
        {
            var block = free.TryGetValue(bytes, out var blocks) && blocks.Count > 0 ? blocks.Pop() : IntPtr.Zero;
            if (block != IntPtr.Zero) cachedBytes -= bytes;
            else block = (IntPtr)NativeMemory.AlignedAlloc((nuint)bytes, Alignment);
            lent[block] = bytes;
            return block;
        }
    }

    private static void Return(IntPtr block)
    {
        lock (free)
        {
            if (!lent.Remove(block, out var bytes)) return;
            if (cachedBytes + bytes <= MaxCachedBytes)
            {
                if (!free.TryGetValue(bytes, out var blocks)) free[bytes] = blocks = new Stack<IntPtr>();
                blocks.Push(block);
                cachedBytes += bytes;
                return;
            }
        }
        NativeMemory.AlignedFree((void*)block);
    }

    /// <summary>libtorch's deleter: the storage that wrapped the block is gone.</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static void Release(IntPtr block) => Return(block);
}
