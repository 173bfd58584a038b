using PSRnn.Engine.Models;
using PSRnn.Engine.Native;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>
/// The float32 fast path of the sequence kernels: which buffers it serves (SequenceKernelTests hold its
/// results to libtorch's float64 layers), and the oneMKL exp and tanh it calls, against float64.
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
}
