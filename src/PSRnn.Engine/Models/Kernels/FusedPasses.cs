using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PSRnn.Engine.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// The sequence kernels' elementwise work between GEMMs as loops over the buffers' memory instead of one
/// libtorch call per operation: at [32, 256] a call costs a few microseconds of dispatch and iterator
/// set-up for as little arithmetic, and the backward pass's coefficients took 15 passes over every step's
/// gates. This file has the backward passes; the forward steps, whose sigmoid and tanh go to oneMKL's
/// vector math, are in FusedPasses.Activations.cs.
/// For contiguous float32 CPU buffers; elsewhere (float64, CUDA) the kernels make libtorch's calls, and
/// the tests hold the two paths to each other. Rows are [width] blocks of h-wide slices; every pointer
/// addresses a row's first element and moves by its row's width. Each loop runs its body, inlined, on
/// whole vectors with a constant count (the masks fold away), then once on a row's remainder; the loops
/// are compiled optimised from their first call (AggressiveOptimization), as unoptimised code inlines nothing.
/// </summary>
internal static unsafe partial class FusedPasses
{
    // void* THSTensor_data(tensor): the address of the tensor's first element.
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr> dataOf =
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)NativeLibraryLoader.LibTorchSharpExport("THSTensor_data");

    /// <summary>Off: the kernels make libtorch's calls everywhere (the tests' reference, and A/B timing).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Whether the loops here serve these buffers.</summary>
    public static bool Serve(params Tensor[] buffers) =>
        Enabled && Avx.IsSupported && dataOf != null && buffers.All(b => b.dtype == ScalarType.Float32 && b.device_type == DeviceType.CPU && b.is_contiguous());

    /// <summary>The address of a contiguous float32 tensor's first element.</summary>
    public static float* Data(Tensor tensor) => (float*)dataOf(tensor.Handle);

    private static readonly Vector256<float> One = Vector256<float>.One;

    // Lanes 8 − count .. 15 − count of this read as a mask of the first count lanes.
    private static readonly int* LaneMasks = MaskTable();

    private static int* MaskTable()
    {
        var table = (int*)NativeMemory.AlignedAlloc(16 * sizeof(int), 64);
        for (var k = 0; k < 16; k++) table[k] = k < 8 ? -1 : 0;
        return table;
    }

    /// <summary>Eight floats from p, or the first <paramref name="count"/> of them (a masked load touches no memory past them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(float* p, long count) =>
        count >= 8 ? Vector256.Load(p) : Avx.MaskLoad(p, Vector256.Load(LaneMasks + 8 - count).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> value, float* p, long count)
    {
        if (count >= 8) value.Store(p);
        else Avx.MaskStore(p, Vector256.Load(LaneMasks + 8 - count).AsSingle(), value);
    }

    /// <summary>
    /// libtorch's GRU backward coefficients for all rows (steps × batch) at once: d(pre-activation)/dH_t,
    /// r's r(1 − r) G_n (1 − n²)(1 − z), z's (H_{t−1} − n) z(1 − z), n's (1 − n²)(1 − z); the same into
    /// <paramref name="side"/> with n's times r (the gradient of G). Rows are 3h wide (gates r, z, n;
    /// sides G_r, G_z, G_n; the two outputs) but previous's h.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GruCoefficients(float* gates, float* sides, float* previous, float* preActivation, float* side, long rows, long h)
    {
        for (long row = 0; row < rows; row++, gates += 3 * h, sides += 3 * h, previous += h, preActivation += 3 * h, side += 3 * h)
        {
            long j = 0;
            for (; j <= h - 8; j += 8) GruCoefficientsLanes(gates + j, sides + j, previous + j, preActivation + j, side + j, h, 8);
            if (j < h) GruCoefficientsLanes(gates + j, sides + j, previous + j, preActivation + j, side + j, h, h - j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruCoefficientsLanes(float* gates, float* sides, float* previous, float* preActivation, float* side, long h, long count)
    {
        var (r, z, n) = (Load(gates, count), Load(gates + h, count), Load(gates + 2 * h, count));
        var toN = (One - n * n) * (One - z);
        var toR = r * (One - r) * Load(sides + 2 * h, count) * toN;
        var toZ = (Load(previous, count) - n) * z * (One - z);
        Store(toR, preActivation, count);
        Store(toZ, preActivation + h, count);
        Store(toN, preActivation + 2 * h, count);
        Store(toR, side, count);
        Store(toZ, side + h, count);
        Store(toN * r, side + 2 * h, count);
    }

    /// <summary>
    /// One step of libtorch's GRU backward pass before its GEMM: scales the step's [batch, 3h] coefficient
    /// rows in both buffers by dH_t (each gate's slice), and sends dH_t ⊙ z to the previous step's
    /// gradient: added to it, or written where <paramref name="accumulate"/> is false (the initial state's).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GruStepBack(float* dh, float* gates, float* preActivation, float* side, float* into, bool accumulate, long batch, long h)
    {
        for (long b = 0; b < batch; b++, dh += h, gates += 3 * h, preActivation += 3 * h, side += 3 * h, into += h)
        {
            long j = 0;
            for (; j <= h - 8; j += 8) GruStepBackLanes(dh + j, gates + j, preActivation + j, side + j, into + j, accumulate, h, 8);
            if (j < h) GruStepBackLanes(dh + j, gates + j, preActivation + j, side + j, into + j, accumulate, h, h - j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruStepBackLanes(float* dh, float* gates, float* preActivation, float* side, float* into, bool accumulate, long h, long count)
    {
        var gradient = Load(dh, count);
        for (var slice = 0L; slice < 3 * h; slice += h)
        {
            Store(Load(preActivation + slice, count) * gradient, preActivation + slice, count);
            Store(Load(side + slice, count) * gradient, side + slice, count);
        }
        var back = gradient * Load(gates + h, count);
        Store(accumulate ? Load(into, count) + back : back, into, count);
    }

    /// <summary>
    /// d2l's GRU (gates z, r, candidate) backward coefficients for all rows at once: z's (H_{t−1} − H~) z(1 − z),
    /// r's H_{t−1} r(1 − r) (times d(R ⊙ H) in the loop), the candidate's (1 − H~²)(1 − z). Rows 3h wide but previous's h.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ResetBeforeGruCoefficients(float* gates, float* previous, float* preActivation, long rows, long h)
    {
        for (long row = 0; row < rows; row++, gates += 3 * h, previous += h, preActivation += 3 * h)
        {
            long j = 0;
            for (; j <= h - 8; j += 8) ResetBeforeGruCoefficientsLanes(gates + j, previous + j, preActivation + j, h, 8);
            if (j < h) ResetBeforeGruCoefficientsLanes(gates + j, previous + j, preActivation + j, h, h - j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ResetBeforeGruCoefficientsLanes(float* gates, float* previous, float* preActivation, long h, long count)
    {
        var (z, r, candidate, before) = (Load(gates, count), Load(gates + h, count), Load(gates + 2 * h, count), Load(previous, count));
        Store((before - candidate) * z * (One - z), preActivation, count);
        Store(before * r * (One - r), preActivation + h, count);
        Store((One - candidate * candidate) * (One - z), preActivation + 2 * h, count);
    }

    /// <summary>d2l's GRU backward, one step before its first GEMM: z's and the candidate's coefficients times dH_t.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ResetBeforeGruScale(float* dh, float* preActivation, long batch, long h)
    {
        for (long b = 0; b < batch; b++, dh += h, preActivation += 3 * h)
        {
            long j = 0;
            for (; j <= h - 8; j += 8) ResetBeforeGruScaleLanes(dh + j, preActivation + j, h, 8);
            if (j < h) ResetBeforeGruScaleLanes(dh + j, preActivation + j, h, h - j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ResetBeforeGruScaleLanes(float* dh, float* preActivation, long h, long count)
    {
        var gradient = Load(dh, count);
        Store(Load(preActivation, count) * gradient, preActivation, count);
        Store(Load(preActivation + 2 * h, count) * gradient, preActivation + 2 * h, count);
    }

    /// <summary>
    /// d2l's GRU backward, one step between its GEMMs: r's coefficient times d(R ⊙ H), and dH_{t−1} gets
    /// dH_t ⊙ z + d(R ⊙ H) ⊙ r (added, or written where <paramref name="accumulate"/> is false).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ResetBeforeGruBack(float* dh, float* dReset, float* gates, float* preActivation, float* into, bool accumulate, long batch, long h)
    {
        for (long b = 0; b < batch; b++, dh += h, dReset += h, gates += 3 * h, preActivation += 3 * h, into += h)
        {
            long j = 0;
            for (; j <= h - 8; j += 8) ResetBeforeGruBackLanes(dh + j, dReset + j, gates + j, preActivation + j, into + j, accumulate, h, 8);
            if (j < h) ResetBeforeGruBackLanes(dh + j, dReset + j, gates + j, preActivation + j, into + j, accumulate, h, h - j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ResetBeforeGruBackLanes(float* dh, float* dReset, float* gates, float* preActivation, float* into, bool accumulate, long h, long count)
    {
        var reset = Load(dReset, count);
        Store(Load(preActivation + h, count) * reset, preActivation + h, count);
        var back = Load(dh, count) * Load(gates, count) + reset * Load(gates + h, count);
        Store(accumulate ? Load(into, count) + back : back, into, count);
    }

    /// <summary>Offsets of the LSTM's i, f, o and g blocks in a 4h-wide gate row.</summary>
    public readonly record struct LstmGates(long I, long F, long O, long G);

    /// <summary>
    /// The LSTM's backward coefficients for all rows at once: I(1 − I) G, F(1 − F) C_{t−1}, O(1 − O) tanh C_t,
    /// (1 − G²) I into the gate slots, and dH_t -> dC_t's O (1 − tanh² C_t) into <paramref name="hiddenToCell"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmCoefficients(float* gates, LstmGates at, float* previousCell, float* cellTanh, float* preActivation, float* hiddenToCell, long rows, long h)
    {
        for (long row = 0; row < rows; row++, gates += 4 * h, previousCell += h, cellTanh += h, preActivation += 4 * h, hiddenToCell += h)
        {
            long j = 0;
            for (; j <= h - 8; j += 8) LstmCoefficientsLanes(gates + j, at, previousCell + j, cellTanh + j, preActivation + j, hiddenToCell + j, 8);
            if (j < h) LstmCoefficientsLanes(gates + j, at, previousCell + j, cellTanh + j, preActivation + j, hiddenToCell + j, h - j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmCoefficientsLanes(float* gates, LstmGates at, float* previousCell, float* cellTanh, float* preActivation, float* hiddenToCell, long count)
    {
        var (i, f, o, g) = (Load(gates + at.I, count), Load(gates + at.F, count), Load(gates + at.O, count), Load(gates + at.G, count));
        var tanhC = Load(cellTanh, count);
        Store(i * (One - i) * g, preActivation + at.I, count);
        Store(f * (One - f) * Load(previousCell, count), preActivation + at.F, count);
        Store(o * (One - o) * tanhC, preActivation + at.O, count);
        Store((One - g * g) * i, preActivation + at.G, count);
        Store(o * (One - tanhC * tanhC), hiddenToCell, count);
    }

    /// <summary>
    /// One step of the LSTM's backward pass before its GEMM: dC_t = dC_{t+1} F_{t+1} (no next step: as
    /// given) + dH_t (dH_t -> dC_t), then the step's gate slots times dC_t (i, f, g) or dH_t (o).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmStepBack(float* dh, float* dc, float* nextGates, LstmGates at, float* hiddenToCell, float* preActivation, long batch, long h)
    {
        var hasNext = nextGates != null;
        for (long b = 0; b < batch; b++, dh += h, dc += h, nextGates += hasNext ? 4 * h : 0, hiddenToCell += h, preActivation += 4 * h)
        {
            long j = 0;
            for (; j <= h - 8; j += 8) LstmStepBackLanes(dh + j, dc + j, nextGates + j, hasNext, at, hiddenToCell + j, preActivation + j, 8);
            if (j < h) LstmStepBackLanes(dh + j, dc + j, nextGates + j, hasNext, at, hiddenToCell + j, preActivation + j, h - j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmStepBackLanes(float* dh, float* dc, float* nextGates, bool hasNext, LstmGates at, float* hiddenToCell, float* preActivation, long count)
    {
        var gradient = Load(dh, count);
        var carried = Load(dc, count);
        if (hasNext) carried *= Load(nextGates + at.F, count);
        carried += gradient * Load(hiddenToCell, count);
        Store(carried, dc, count);
        Store(Load(preActivation + at.I, count) * carried, preActivation + at.I, count);
        Store(Load(preActivation + at.F, count) * carried, preActivation + at.F, count);
        Store(Load(preActivation + at.G, count) * carried, preActivation + at.G, count);
        Store(Load(preActivation + at.O, count) * gradient, preActivation + at.O, count);
    }

    /// <summary>One step of the tanh RNN's backward pass: dZ_t = dH_t (1 − H_t²) over its n contiguous values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TanhRnnStepBack(float* dh, float* state, long n)
    {
        long j = 0;
        for (; j <= n - 8; j += 8) TanhRnnStepBackLanes(dh + j, state + j, 8);
        if (j < n) TanhRnnStepBackLanes(dh + j, state + j, n - j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TanhRnnStepBackLanes(float* dh, float* state, long count)
    {
        var h = Load(state, count);
        Store(Load(dh, count) * (One - h * h), dh, count);
    }
}
