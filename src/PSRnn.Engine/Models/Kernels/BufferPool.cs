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
/// copies included), on whatever thread frees it. At most a cap of bytes wait for reuse (512 MB in
/// <see cref="Shared"/>, the kernels' pool), blocks of sizes no longer asked for going back to the system
/// first (a sweep over model sizes). Elsewhere (CUDA, other types, small sizes) it is torch.empty.
/// </summary>
internal sealed unsafe class BufferPool(long maxCachedBytes)
{
    /// <summary>The pool every kernel draws from.</summary>
    public static BufferPool Shared { get; } = new(512L << 20);

    /// <summary>
    /// Smaller buffers come from libtorch: glibc's bins serve those well. The tests set 0, so their
    /// tiny problems run every kernel buffer through the pool too.
    /// </summary>
    internal static long MinBytes { get; set; } = 64 << 10;
    private const nuint Alignment = 64;

    // One lock for all pools: the deleter knows only the block, so the block says which pool lent it.
    private static readonly object Gate = new();
    private static readonly Dictionary<IntPtr, (BufferPool Pool, long Bytes)> lent = new();
    private readonly Dictionary<long, Stack<IntPtr>> free = new();
    private long cachedBytes;

    // THSTensor_new(data, deleter, sizes, dimensions, element type, tensor type, device type, device index, requires_grad).
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, long*, int, sbyte, sbyte, int, int, byte, IntPtr> fromBlob =
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, long*, int, sbyte, sbyte, int, int, byte, IntPtr>)NativeLibraryLoader.LibTorchSharpExport("THSTensor_new");

    /// <summary>Blocks of exactly <paramref name="bytes"/> waiting for reuse.</summary>
    public int CachedBlocks(long bytes) { lock (Gate) return free.TryGetValue(bytes, out var blocks) ? blocks.Count : 0; }

    /// <summary>Blocks of exactly <paramref name="bytes"/> this pool has lent to live tensors.</summary>
    public int LentBlocks(long bytes) { lock (Gate) return lent.Values.Count(entry => entry.Pool == this && entry.Bytes == bytes); }

    /// <summary>An uninitialised contiguous tensor, like <c>torch.empty</c>.</summary>
    public Tensor Empty(long[] shape, ScalarType dtype, Device device)
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

    public Tensor EmptyLike(Tensor like) => Empty(like.shape, like.dtype, like.device);

    /// <summary>A private contiguous copy.</summary>
    public Tensor Copy(Tensor source) => EmptyLike(source).copy_(source);

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        _ => 0, // other types are not pooled
    };

    private IntPtr Rent(long bytes)
    {
        lock (Gate)
        {
            var block = free.TryGetValue(bytes, out var blocks) && blocks.Count > 0 ? blocks.Pop() : IntPtr.Zero;
            if (block != IntPtr.Zero) cachedBytes -= bytes;
            else block = (IntPtr)NativeMemory.AlignedAlloc((nuint)bytes, Alignment);
            lent[block] = (this, bytes);
            return block;
        }
    }

    private static void Return(IntPtr block)
    {
        lock (Gate)
        {
            if (lent.Remove(block, out var entry)) entry.Pool.Keep(block, entry.Bytes);
        }
    }

    /// <summary>Caches a returned block; over the cap, blocks of other sizes go first (the sizes in use now are the ones that come back).</summary>
    private void Keep(IntPtr block, long bytes)
    {
        if (bytes > maxCachedBytes)
        {
            NativeMemory.AlignedFree((void*)block);
            return;
        }
        foreach (var (size, blocks) in free)
            while (cachedBytes + bytes > maxCachedBytes && size != bytes && blocks.TryPop(out var stale))
            {
                NativeMemory.AlignedFree((void*)stale);
                cachedBytes -= size;
            }
        if (cachedBytes + bytes > maxCachedBytes)
        {
            NativeMemory.AlignedFree((void*)block); // the cap is full of blocks of this very size
            return;
        }
        if (!free.TryGetValue(bytes, out var same)) free[bytes] = same = new Stack<IntPtr>();
        same.Push(block);
        cachedBytes += bytes;
    }

    /// <summary>libtorch's deleter: the storage that wrapped the block is gone.</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static void Release(IntPtr block) => Return(block);
}
