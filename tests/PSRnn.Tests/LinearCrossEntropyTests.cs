using PSRnn.Engine.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>
/// The fused output layer and loss against libtorch's cross_entropy of the same layer: the loss and the
/// gradients of inputs, weight and bias, in both weight layouts, float64 and float32; and the
/// float64 gradients against central finite differences.
/// </summary>
public class LinearCrossEntropyTests
{
    private const long Rows = 7, Features = 5, Classes = 11;

    private static (Tensor Inputs, Tensor Weight, Tensor Bias, Tensor Targets) Problem(bool outByIn, ScalarType dtype)
    {
        using var generator = new torch.Generator(31, CPU);
        var inputs = randn(new[] { Rows, Features }, dtype, generator: generator).requires_grad_();
        var weight = randn(outByIn ? new[] { Classes, Features } : new[] { Features, Classes }, dtype, generator: generator).requires_grad_();
        var bias = randn(new[] { Classes }, dtype, generator: generator).requires_grad_();
        // Class 3 twice and class 10 (the last) present: repeated targets must each subtract their share.
        var targets = tensor(new long[] { 3, 0, 10, 3, 7, 1, 3 });
        return (inputs, weight, bias, targets);
    }

    [Theory]
    [InlineData(true, ScalarType.Float64)]
    [InlineData(false, ScalarType.Float64)]
    [InlineData(true, ScalarType.Float32)]
    [InlineData(false, ScalarType.Float32)]
    public void EqualsCrossEntropyOfTheLinearLayerWithEveryGradient(bool outByIn, ScalarType dtype)
    {
        var tolerance = dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
        var (inputs, weight, bias, targets) = Problem(outByIn, dtype);
        var expected = nn.functional.cross_entropy(bias.addmm(inputs, outByIn ? weight.t() : weight), targets);
        var expectedGradients = autograd.grad(new[] { expected }, new[] { inputs, weight, bias });

        var actual = LinearCrossEntropy.Mean(inputs, weight, bias, targets, outByIn);
        var actualGradients = autograd.grad(new[] { actual }, new[] { inputs, weight, bias });

        Assert.Equal(expected.ToDouble(), actual.ToDouble(), tolerance);
        foreach (var (name, e, a) in new[] { "inputs", "weight", "bias" }.Select((n, i) => (n, expectedGradients[i], actualGradients[i])))
        {
            Assert.Equal(e.shape, a.shape);
            var difference = (e - a).abs().max().ToDouble();
            Assert.True(difference <= tolerance, $"{name}: largest difference {difference}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GradientsEqualFiniteDifferences(bool outByIn)
    {
        var (inputs, weight, bias, targets) = Problem(outByIn, ScalarType.Float64);
        // An upstream gradient other than 1 (a scaled loss) must scale every gradient.
        var loss = LinearCrossEntropy.Mean(inputs, weight, bias, targets, outByIn) * 2.5;
        var gradients = autograd.grad(new[] { loss }, new[] { inputs, weight, bias });
        const double h = 1e-6;
        var checkedEntries = 0;
        foreach (var (parameter, gradient) in new[] { inputs, weight, bias }.Zip(gradients))
        {
            var flat = parameter.detach().view(-1);
            var analytic = gradient.contiguous().view(-1);
            for (long i = 0; i < flat.size(0); i++)
            {
                double Loss()
                {
                    using var _ = no_grad();
                    return 2.5 * LinearCrossEntropy.Mean(inputs, weight, bias, targets, outByIn).ToDouble();
                }
                var original = flat[i].ToDouble();
                flat[i] = original + h;
                var up = Loss();
                flat[i] = original - h;
                var down = Loss();
                flat[i] = original;
                Assert.Equal((up - down) / (2 * h), analytic[i].ToDouble(), 1e-7);
                checkedEntries++;
            }
        }
        Assert.Equal(Rows * Features + Features * Classes + Classes, checkedEntries);
    }
}
