using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PSRnn.Engine.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// The sequence kernels' multiply-add work between GEMMs as one loop over the buffers' memory instead
/// of one libtorch call per operation: at [32, 256] a call costs a few microseconds of dispatch and
/// iterator set-up for as little arithmetic, and the backward pass's coefficients took 15 passes over
/// every step's gates. No transcendental here: sigmoid and tanh stay libtorch's (its AVX-512 ones).
/// For contiguous float32 CPU buffers; elsewhere (float64, CUDA) the kernels make libtorch's calls, and
/// the tests hold the two paths to each other. Rows are [width] blocks of h-wide slices; every pointer
/// addresses a row's first element and moves by its row's width. The loops are compiled optimised from
/// their first call (AggressiveOptimization): unoptimised code would not inline the vector loads.
/// </summary>
internal static unsafe class FusedPasses
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
    /// A GRU step's state update H_t = n + z (H_{t−1} − n) for one step's [batch, 3h] gates (z at
    /// <paramref name="zOffset"/>: libtorch's r, z, n or d2l's z, r, candidate; n or the candidate last).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GruUpdate(float* gates, long zOffset, float* previous, float* next, long batch, long h)
    {
        for (long b = 0; b < batch; b++, gates += 3 * h, previous += h, next += h)
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                var (z, n) = (Load(gates + zOffset + j, count), Load(gates + 2 * h + j, count));
                Store(n + z * (Load(previous + j, count) - n), next + j, count);
            }
    }

    /// <summary>d2l's GRU step's reset state R ⊙ H_{t−1}, R the middle slice of the [batch, 3h] gates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ResetState(float* gates, float* previous, float* reset, long batch, long h)
    {
        for (long b = 0; b < batch; b++, gates += 3 * h, previous += h, reset += h)
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                Store(Load(gates + h + j, count) * Load(previous + j, count), reset + j, count);
            }
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
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                var (r, z, n) = (Load(gates + j, count), Load(gates + h + j, count), Load(gates + 2 * h + j, count));
                var toN = (One - n * n) * (One - z);
                var toR = r * (One - r) * Load(sides + 2 * h + j, count) * toN;
                var toZ = (Load(previous + j, count) - n) * z * (One - z);
                Store(toR, preActivation + j, count);
                Store(toZ, preActivation + h + j, count);
                Store(toN, preActivation + 2 * h + j, count);
                Store(toR, side + j, count);
                Store(toZ, side + h + j, count);
                Store(toN * r, side + 2 * h + j, count);
            }
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
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                var gradient = Load(dh + j, count);
                for (var slice = j; slice < 3 * h; slice += h)
                {
                    Store(Load(preActivation + slice, count) * gradient, preActivation + slice, count);
                    Store(Load(side + slice, count) * gradient, side + slice, count);
                }
                var back = gradient * Load(gates + h + j, count);
                Store(accumulate ? Load(into + j, count) + back : back, into + j, count);
            }
    }

    /// <summary>
    /// d2l's GRU (gates z, r, candidate) backward coefficients for all rows at once: z's (H_{t−1} − H~) z(1 − z),
    /// r's H_{t−1} r(1 − r) (times d(R ⊙ H) in the loop), the candidate's (1 − H~²)(1 − z). Rows 3h wide but previous's h.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ResetBeforeGruCoefficients(float* gates, float* previous, float* preActivation, long rows, long h)
    {
        for (long row = 0; row < rows; row++, gates += 3 * h, previous += h, preActivation += 3 * h)
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                var (z, r, candidate, before) = (Load(gates + j, count), Load(gates + h + j, count), Load(gates + 2 * h + j, count), Load(previous + j, count));
                Store((before - candidate) * z * (One - z), preActivation + j, count);
                Store(before * r * (One - r), preActivation + h + j, count);
                Store((One - candidate * candidate) * (One - z), preActivation + 2 * h + j, count);
            }
    }

    /// <summary>d2l's GRU backward, one step before its first GEMM: z's and the candidate's coefficients times dH_t.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ResetBeforeGruScale(float* dh, float* preActivation, long batch, long h)
    {
        for (long b = 0; b < batch; b++, dh += h, preActivation += 3 * h)
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                var gradient = Load(dh + j, count);
                Store(Load(preActivation + j, count) * gradient, preActivation + j, count);
                Store(Load(preActivation + 2 * h + j, count) * gradient, preActivation + 2 * h + j, count);
            }
    }

    /// <summary>
    /// d2l's GRU backward, one step between its GEMMs: r's coefficient times d(R ⊙ H), and dH_{t−1} gets
    /// dH_t ⊙ z + d(R ⊙ H) ⊙ r (added, or written where <paramref name="accumulate"/> is false).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ResetBeforeGruBack(float* dh, float* dReset, float* gates, float* preActivation, float* into, bool accumulate, long batch, long h)
    {
        for (long b = 0; b < batch; b++, dh += h, dReset += h, gates += 3 * h, preActivation += 3 * h, into += h)
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                var reset = Load(dReset + j, count);
                Store(Load(preActivation + h + j, count) * reset, preActivation + h + j, count);
                var back = Load(dh + j, count) * Load(gates + j, count) + reset * Load(gates + h + j, count);
                Store(accumulate ? Load(into + j, count) + back : back, into + j, count);
            }
    }

    /// <summary>Offsets of the LSTM's i, f, o and g blocks in a 4h-wide gate row.</summary>
    public readonly record struct LstmGates(long I, long F, long O, long G);

    /// <summary>An LSTM step's cell C_t = F C_{t−1} + I G, written to <paramref name="cell"/> and to <paramref name="cellTanh"/> (tanh follows in place).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmCell(float* gates, LstmGates at, float* previousCell, float* cell, float* cellTanh, long batch, long h)
    {
        for (long b = 0; b < batch; b++, gates += 4 * h, previousCell += h, cell += h, cellTanh += h)
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                var next = Load(gates + at.F + j, count) * Load(previousCell + j, count) + Load(gates + at.I + j, count) * Load(gates + at.G + j, count);
                Store(next, cell + j, count);
                Store(next, cellTanh + j, count);
            }
    }

    /// <summary>An LSTM step's state H_t = O tanh(C_t).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmState(float* gates, LstmGates at, float* cellTanh, float* state, long batch, long h)
    {
        for (long b = 0; b < batch; b++, gates += 4 * h, cellTanh += h, state += h)
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                Store(Load(gates + at.O + j, count) * Load(cellTanh + j, count), state + j, count);
            }
    }

    /// <summary>
    /// The LSTM's backward coefficients for all rows at once: I(1 − I) G, F(1 − F) C_{t−1}, O(1 − O) tanh C_t,
    /// (1 − G²) I into the gate slots, and dH_t -> dC_t's O (1 − tanh² C_t) into <paramref name="hiddenToCell"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmCoefficients(float* gates, LstmGates at, float* previousCell, float* cellTanh, float* preActivation, float* hiddenToCell, long rows, long h)
    {
        for (long row = 0; row < rows; row++, gates += 4 * h, previousCell += h, cellTanh += h, preActivation += 4 * h, hiddenToCell += h)
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                var (i, f, o, g) = (Load(gates + at.I + j, count), Load(gates + at.F + j, count), Load(gates + at.O + j, count), Load(gates + at.G + j, count));
                var tanhC = Load(cellTanh + j, count);
                Store(i * (One - i) * g, preActivation + at.I + j, count);
                Store(f * (One - f) * Load(previousCell + j, count), preActivation + at.F + j, count);
                Store(o * (One - o) * tanhC, preActivation + at.O + j, count);
                Store((One - g * g) * i, preActivation + at.G + j, count);
                Store(o * (One - tanhC * tanhC), hiddenToCell + j, count);
            }
    }

    /// <summary>
    /// One step of the LSTM's backward pass before its GEMM: dC_t = dC_{t+1} F_{t+1} (no next step: as
    /// given) + dH_t (dH_t -> dC_t), then the step's gate slots times dC_t (i, f, g) or dH_t (o).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmStepBack(float* dh, float* dc, float* nextGates, LstmGates at, float* hiddenToCell, float* preActivation, long batch, long h)
    {
        for (long b = 0; b < batch; b++, dh += h, dc += h, nextGates += nextGates == null ? 0 : 4 * h, hiddenToCell += h, preActivation += 4 * h)
            for (long j = 0; j < h; j += 8)
            {
                var count = h - j;
                var gradient = Load(dh + j, count);
                var carried = Load(dc + j, count);
                if (nextGates != null) carried *= Load(nextGates + at.F + j, count);
                carried += gradient * Load(hiddenToCell + j, count);
                Store(carried, dc + j, count);
                Store(Load(preActivation + at.I + j, count) * carried, preActivation + at.I + j, count);
                Store(Load(preActivation + at.F + j, count) * carried, preActivation + at.F + j, count);
                Store(Load(preActivation + at.G + j, count) * carried, preActivation + at.G + j, count);
                Store(Load(preActivation + at.O + j, count) * gradient, preActivation + at.O + j, count);
            }
    }
}
