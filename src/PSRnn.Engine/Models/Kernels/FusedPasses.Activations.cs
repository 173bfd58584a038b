using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PSRnn.Engine.Native;

namespace PSRnn.Engine.Models;

/// <summary>
/// A forward step's gates whole: the step's GEMM stays libtorch's, and sigmoid and tanh run as oneMKL's
/// vector exp and tanh (<see cref="MklVectorMath"/>) between these loops, in place of four to six libtorch
/// calls per step (measured at [32, 3 × 256]: 32 µs per step for add, sigmoid, addcmul and tanh; MKL's tanh
/// over all 24,576 gate values takes 4.7). σ(a) = 1 / (1 + e^−a), as libtorch computes it. The work
/// buffer holds [batch, 4h] floats (the exponents, then a [batch, h] block for tanh).
/// </summary>
internal static unsafe partial class FusedPasses
{
    /// <summary>Whether the whole-step loops serve these buffers (they need MKL's vector math too).</summary>
    public static bool ServeSteps(params TorchSharp.torch.Tensor[] buffers) => MklVectorMath.IsAvailable && Serve(buffers);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Sigmoid(Vector256<float> negativeExp) => One / (One + negativeExp);

    /// <summary>
    /// libtorch's GRU step after its GEMM, gates r, z, n: <paramref name="sides"/> holds H_{t−1} R without
    /// b_hh; r = σ(P_r + G_r + b_r), z likewise, n = tanh(P_n + r (G_n + b_n)), H_t = n + z (H_{t−1} − n).
    /// r, z, n replace P in <paramref name="gates"/>, and G_n + b_n goes back to sides for the backward pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GruStep(float* gates, float* sides, float* bias, float* previous, float* next, float* work, long batch, long h)
    {
        float* exponents = work, candidates = work + batch * 2 * h;
        for (long b = 0; b < batch; b++)
        {
            float* row = gates + b * 3 * h, sideRow = sides + b * 3 * h, into = exponents + b * 2 * h;
            long j = 0;
            for (; j <= 2 * h - 8; j += 8) NegatedSum(row + j, sideRow + j, bias + j, into + j, 8);
            if (j < 2 * h) NegatedSum(row + j, sideRow + j, bias + j, into + j, 2 * h - j);
        }
        MklVectorMath.Exp(exponents, exponents, batch * 2 * h);
        for (long b = 0; b < batch; b++)
        {
            float* row = gates + b * 3 * h, sideRow = sides + b * 3 * h, from = exponents + b * 2 * h, into = candidates + b * h;
            long j = 0;
            for (; j <= h - 8; j += 8) GruGates(row + j, sideRow + j, bias + j, from + j, into + j, h, 8);
            if (j < h) GruGates(row + j, sideRow + j, bias + j, from + j, into + j, h, h - j);
        }
        MklVectorMath.Tanh(candidates, candidates, batch * h);
        for (long b = 0; b < batch; b++)
        {
            float* row = gates + b * 3 * h, from = candidates + b * h, before = previous + b * h, after = next + b * h;
            long j = 0;
            for (; j <= h - 8; j += 8) GruUpdate(row + h + j, from + j, row + 2 * h + j, before + j, after + j, 8);
            if (j < h) GruUpdate(row + h + j, from + j, row + 2 * h + j, before + j, after + j, h - j);
        }
    }

    /// <summary>−(a + b + c): the exponent whose e^x gives σ(a + b + c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NegatedSum(float* a, float* b, float* c, float* into, long count) =>
        Store(-(Load(a, count) + Load(b, count) + Load(c, count)), into, count);

    /// <summary>r and z from their e^−a; G_n + b_n back to the sides; n's pre-activation P_n + r (G_n + b_n) to candidates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruGates(float* gates, float* sides, float* bias, float* exponents, float* candidates, long h, long count)
    {
        var r = Sigmoid(Load(exponents, count));
        Store(r, gates, count);
        Store(Sigmoid(Load(exponents + h, count)), gates + h, count);
        var side = Load(sides + 2 * h, count) + Load(bias + 2 * h, count);
        Store(side, sides + 2 * h, count);
        Store(Load(gates + 2 * h, count) + r * side, candidates, count);
    }

    /// <summary>H_t = n + z (H_{t−1} − n), n also written to its gate slot unless it is already there (null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruUpdate(float* z, float* n, float* nSlot, float* previous, float* next, long count)
    {
        var candidate = Load(n, count);
        if (nSlot != null) Store(candidate, nSlot, count);
        Store(candidate + Load(z, count) * (Load(previous, count) - candidate), next, count);
    }

    /// <summary>
    /// d2l's GRU step between its GEMMs, gates z, r, candidate: z and r = σ of the [batch, 2h] pre-activations
    /// in place, and the reset state R ⊙ H_{t−1} for the candidate's GEMM.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ResetBeforeGruGates(float* gates, float* previous, float* reset, float* work, long batch, long h)
    {
        for (long b = 0; b < batch; b++)
        {
            float* row = gates + b * 3 * h, into = work + b * 2 * h;
            long j = 0;
            for (; j <= 2 * h - 8; j += 8) Store(-Load(row + j, 8), into + j, 8);
            if (j < 2 * h) Store(-Load(row + j, 2 * h - j), into + j, 2 * h - j);
        }
        MklVectorMath.Exp(work, work, batch * 2 * h);
        for (long b = 0; b < batch; b++)
        {
            float* row = gates + b * 3 * h, from = work + b * 2 * h, before = previous + b * h, into = reset + b * h;
            long j = 0;
            for (; j <= h - 8; j += 8) ResetBeforeGruGatesLanes(row + j, from + j, before + j, into + j, h, 8);
            if (j < h) ResetBeforeGruGatesLanes(row + j, from + j, before + j, into + j, h, h - j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ResetBeforeGruGatesLanes(float* gates, float* exponents, float* previous, float* reset, long h, long count)
    {
        Store(Sigmoid(Load(exponents, count)), gates, count);
        var r = Sigmoid(Load(exponents + h, count));
        Store(r, gates + h, count);
        Store(r * Load(previous, count), reset, count);
    }

    /// <summary>d2l's GRU step after its second GEMM: the candidate's tanh in place (row by row: its slice is strided), then H_t = H~ + Z (H_{t−1} − H~).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ResetBeforeGruUpdate(float* gates, float* previous, float* next, long batch, long h)
    {
        for (long b = 0; b < batch; b++)
        {
            float* row = gates + b * 3 * h, before = previous + b * h, after = next + b * h;
            MklVectorMath.Tanh(row + 2 * h, row + 2 * h, h);
            long j = 0;
            for (; j <= h - 8; j += 8) GruUpdate(row + j, row + 2 * h + j, null, before + j, after + j, 8);
            if (j < h) GruUpdate(row + j, row + 2 * h + j, null, before + j, after + j, h - j);
        }
    }

    /// <summary>
    /// The LSTM step after its GEMM: I, F, O = σ, G = tanh of the [batch, 4h] pre-activations in place,
    /// C_t = F C_{t−1} + I G, tanh C_t kept for the backward pass, H_t = O tanh C_t.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmStep(float* gates, LstmGates at, float* previousCell, float* cell, float* cellTanh, float* state, float* work, long batch, long h)
    {
        float* exponents = work, candidates = work + batch * 3 * h;
        for (long b = 0; b < batch; b++)
        {
            float* row = gates + b * 4 * h, into = exponents + b * 3 * h, candidateRow = candidates + b * h;
            long j = 0;
            for (; j <= h - 8; j += 8) LstmSplit(row + j, at, into + j, candidateRow + j, h, 8);
            if (j < h) LstmSplit(row + j, at, into + j, candidateRow + j, h, h - j);
        }
        MklVectorMath.Exp(exponents, exponents, batch * 3 * h);
        MklVectorMath.Tanh(candidates, candidates, batch * h);
        for (long b = 0; b < batch; b++)
        {
            float* row = gates + b * 4 * h, from = exponents + b * 3 * h, candidateRow = candidates + b * h, before = previousCell + b * h, after = cell + b * h;
            long j = 0;
            for (; j <= h - 8; j += 8) LstmCell(row + j, at, from + j, candidateRow + j, before + j, after + j, h, 8);
            if (j < h) LstmCell(row + j, at, from + j, candidateRow + j, before + j, after + j, h, h - j);
        }
        MklVectorMath.Tanh(cell, cellTanh, batch * h);
        for (long b = 0; b < batch; b++)
        {
            float* o = gates + b * 4 * h + at.O, tanhC = cellTanh + b * h, into = state + b * h;
            long j = 0;
            for (; j <= h - 8; j += 8) Store(Load(o + j, 8) * Load(tanhC + j, 8), into + j, 8);
            if (j < h) Store(Load(o + j, h - j) * Load(tanhC + j, h - j), into + j, h - j);
        }
    }

    /// <summary>The exponents −a of i, f, o side by side, and g's pre-activation apart (for tanh).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmSplit(float* gates, LstmGates at, float* exponents, float* candidates, long h, long count)
    {
        Store(-Load(gates + at.I, count), exponents, count);
        Store(-Load(gates + at.F, count), exponents + h, count);
        Store(-Load(gates + at.O, count), exponents + 2 * h, count);
        Store(Load(gates + at.G, count), candidates, count);
    }

    /// <summary>I, F, O, G into their slots and C_t = F C_{t−1} + I G.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmCell(float* gates, LstmGates at, float* exponents, float* candidates, float* previousCell, float* cell, long h, long count)
    {
        var (i, f, o, g) = (Sigmoid(Load(exponents, count)), Sigmoid(Load(exponents + h, count)), Sigmoid(Load(exponents + 2 * h, count)), Load(candidates, count));
        Store(i, gates + at.I, count);
        Store(f, gates + at.F, count);
        Store(o, gates + at.O, count);
        Store(g, gates + at.G, count);
        Store(f * Load(previousCell, count) + i * g, cell, count);
    }
}
