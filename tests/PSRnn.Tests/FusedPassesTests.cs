using PSRnn.Engine.Models;
using PSRnn.Engine.Native;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>
/// The float32 fast path of the sequence kernels: which buffers it serves (SequenceKernelTests hold its
/// results to libtorch's float64 layers), the oneMKL exp and tanh it calls, against float64, and
/// saturated gates (infinite and huge pre-activations), where it must give what libtorch's calls give.
/// </summary>
public unsafe class FusedPassesTests
{
    [LinuxX64Fact]
    public void LibTorchsOneMklExportsTheVectorMathTheKernelsUse() => Assert.True(MklVectorMath.IsAvailable);

    [Fact]
    public void TheLoopsServeContiguousFloat32CpuBuffersOnly()
    {
        var (a, b) = (zeros(3, 16), zeros(3, 16));
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx.IsSupported, FusedPasses.Serve(a, b));
        Assert.False(FusedPasses.Serve(a, zeros(3, 16, ScalarType.Float64)));
        Assert.False(FusedPasses.Serve(a, zeros(16, 3).t()));
        var enabled = FusedPasses.Enabled;
        try
        {
            FusedPasses.Enabled = false;
            Assert.False(FusedPasses.Serve(a, b));
        }
        finally
        {
            FusedPasses.Enabled = enabled;
        }
    }

    /// <summary>Every float32 input class: both signs over exp's and tanh's whole range, zeros, subnormals, overflow, infinities, NaN.</summary>
    private static float[] Inputs() =>
        linspace(-110, 110, 22001).to(ScalarType.Float32).data<float>().ToArray()
            .Concat(new[] { 0f, -0f, 1e-3f, -1e-3f, 1e-30f, -1e-30f, 1e-40f, -1e-40f, 88.7f, 89f, -103f, -104f, float.PositiveInfinity, float.NegativeInfinity, float.NaN })
            .ToArray();

    [LinuxX64Fact]
    public void ExpAndTanhAgreeWithFloat64ToTwoUnitsInTheLastPlace()
    {
        foreach (var (name, run, reference) in new (string, Action<IntPtr, IntPtr, long>, Func<double, double>)[]
        {
            ("exp", (a, r, n) => MklVectorMath.Exp((float*)a, (float*)r, n), Math.Exp),
            ("tanh", (a, r, n) => MklVectorMath.Tanh((float*)a, (float*)r, n), Math.Tanh),
        })
        {
            var inputs = Inputs();
            var results = new float[inputs.Length];
            fixed (float* a = inputs, r = results) run((IntPtr)a, (IntPtr)r, inputs.Length);
            for (var k = 0; k < inputs.Length; k++)
            {
                var expected = (float)reference(inputs[k]);
                var message = $"{name}({inputs[k]:R}) = {results[k]:R}, expected {expected:R}";
                if (float.IsNaN(expected) || float.IsInfinity(expected)) Assert.True(expected.Equals(results[k]), message);
                else Assert.True(Math.Abs(results[k] - expected) <= 2 * Ulp(expected), message);
            }
        }
    }

    /// <summary>The gap to the next float above |x| (the smallest subnormal at zero).</summary>
    private static float Ulp(float x) => MathF.BitIncrement(Math.Abs(x)) - Math.Abs(x);

    /// <summary>Each kernel over inputs whose pre-activations are ±∞, ±1e30 and ordinary values, once through the loops and once through libtorch's calls.</summary>
    public static TheoryData<string> Kernels() => new() { "Rnn", "Gru", "ResetBeforeGru", "Lstm", "d2lLstm" };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void SaturatedGatesGiveWhatLibTorchsCallsGive(string kernel)
    {
        const long steps = 3, batch = 2, h = 11;
        var gates = kernel switch { "Rnn" => 1, "Lstm" or "d2lLstm" => 4, _ => 3 };
        using var generator = new TorchSharp.torch.Generator(41, CPU);
        var projected = randn(new[] { steps, batch, gates * h }, generator: generator);
        var flat = projected.view(-1);
        foreach (var (at, value) in new[] { (0, float.PositiveInfinity), (7, float.NegativeInfinity), (h + 2, 1e30f), (2 * h + 5, -1e30f), (3 * h - 1, float.PositiveInfinity), (gates * h * batch + 4, float.NegativeInfinity) })
            flat[at] = value;
        var weight = (randn(new[] { h, gates * h }, generator: generator) * 0.3).requires_grad_();
        var extra = (randn(new[] { gates == 1 ? h : gates * h }, generator: generator) * 0.3).requires_grad_();
        var initial = randn(new[] { batch, h }, generator: generator) * 0.5;

        (Tensor[] Results, Tensor[] Gradients) Run(bool loops)
        {
            var enabled = FusedPasses.Enabled;
            FusedPasses.Enabled = loops;
            try
            {
                var input = projected.clone().requires_grad_();
                Tensor[] results = kernel switch
                {
                    "Rnn" => ToArray(TanhRnnSequence.Run(input, initial, weight, outByIn: false)),
                    "Gru" => ToArray(GruSequence.Run(input, initial, weight, extra, outByIn: false)),
                    "ResetBeforeGru" => ToArray(ResetBeforeGruSequence.Run(input, initial, weight.narrow(1, 0, 2 * h), weight.narrow(1, 2 * h, h))),
                    _ => ToArray(LstmSequence.Run(input, initial, initial * 2, weight, outByIn: false, libTorchOrder: kernel == "Lstm")),
                };
                results.Select(r => r.sum()).Aggregate((a, b) => a + b).backward();
                var gradients = new[] { input.grad!.clone(), weight.grad!.clone() };
                weight.grad!.zero_();
                return (results.Select(r => r.detach().clone()).ToArray(), gradients);
            }
            finally
            {
                FusedPasses.Enabled = enabled;
            }
        }

        var (loopResults, loopGradients) = Run(loops: true);
        var (callResults, callGradients) = Run(loops: false);
        foreach (var (loop, call) in loopResults.Concat(loopGradients).Zip(callResults.Concat(callGradients)))
        {
            Assert.True(isfinite(call).all().item<bool>(), $"{kernel}: libtorch's calls gave a non-finite value; the inputs are meant to saturate, not to diverge");
            Assert.True(allclose(loop, call, rtol: 1e-5, atol: 1e-6), $"{kernel}: largest difference {(loop - call).abs().nan_to_num(1e9).max().ToDouble()}");
        }
    }

    private static Tensor[] ToArray((Tensor A, Tensor B) pair) => new[] { pair.A, pair.B };

    private static Tensor[] ToArray((Tensor A, Tensor B, Tensor C) triple) => new[] { triple.A, triple.B, triple.C };
}
