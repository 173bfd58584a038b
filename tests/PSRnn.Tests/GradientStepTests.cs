using PSRnn.Engine.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>
/// The training step's update: global-norm clipping folded into plain SGD (or applied before any other
/// optimizer's step) gives the parameters libtorch's clip_grad_norm_ followed by the optimizer would,
/// and forgetting gradients makes backward hand over fresh ones instead of adding to the old.
/// </summary>
public class GradientStepTests
{
    /// <summary>Two parameter sets with the same values and the same gradients (a quadratic loss with a large scale).</summary>
    private static (Parameter[] Ours, Parameter[] Theirs) Twins(double scale)
    {
        using var generator = new Generator(17, CPU);
        var values = new[] { randn(new long[] { 6, 5 }, ScalarType.Float64, generator: generator), randn(new long[] { 5 }, ScalarType.Float64, generator: generator) };
        Parameter[] Make() => values.Select(value => new Parameter(value.clone())).ToArray();
        var (ours, theirs) = (Make(), Make());
        foreach (var set in new[] { ours, theirs }) set.Select(p => p.pow(3).sum() * scale).Aggregate((a, b) => a + b).backward();
        return (ours, theirs);
    }

    private static double LargestDifference(Parameter[] a, Parameter[] b) =>
        a.Zip(b).Max(pair => (pair.First - pair.Second).abs().max().ToDouble());

    [Theory]
    [InlineData(10.0)] // the norm is far above the limit: clipped
    [InlineData(1e-3)] // below: unclipped
    public void ClippedSgdEqualsClipGradNormThenSgd(double scale)
    {
        var (ours, theirs) = Twins(scale);
        var expectedNorm = nn.utils.clip_grad_norm_(theirs, 0.5);
        optim.SGD(theirs, 0.3).step();

        var norm = GradientStep.Apply(ours, optim.SGD(ours, 0.3), 0.5);

        Assert.Equal(expectedNorm, norm, 1e-12 * Math.Max(1, expectedNorm));
        Assert.True(LargestDifference(ours, theirs) < 1e-12, $"difference {LargestDifference(ours, theirs)}");
        Assert.True(LargestDifference(ours, Twins(scale).Ours) > 1e-6, "the step changed nothing");
    }

    [Theory]
    [InlineData("Adam")]
    [InlineData("SgdWithWeightDecay")]
    public void OtherOptimizersStepOnClippedGradients(string kind)
    {
        optim.Optimizer Make(Parameter[] parameters) =>
            kind == "Adam" ? optim.Adam(parameters, 0.01) : optim.SGD(parameters, 0.3, weight_decay: 0.1);
        var (ours, theirs) = Twins(10);
        nn.utils.clip_grad_norm_(theirs, 0.5);
        Make(theirs).step();

        GradientStep.Apply(ours, Make(ours), 0.5);

        Assert.True(LargestDifference(ours, theirs) < 1e-12, $"difference {LargestDifference(ours, theirs)}");
    }

    [Fact]
    public void ForgottenGradientsAreReplacedNotAccumulated()
    {
        var (ours, _) = Twins(1);
        var first = ours.Select(p => p.grad!.clone()).ToArray();

        GradientStep.ForgetGradients(ours);
        Assert.All(ours, p => Assert.Null(p.grad));
        ours.Select(p => p.pow(3).sum()).Aggregate((a, b) => a + b).backward();

        foreach (var (parameter, gradient) in ours.Zip(first))
            Assert.Equal(0, (parameter.grad! - gradient).abs().max().ToDouble(), 1e-12);
    }

    [Fact]
    public void OnlyPlainSgdFoldsTheCoefficientIntoItsRate()
    {
        var (parameters, _) = Twins(1);
        Assert.Equal(0.3, GradientStep.PlainSgdRate(optim.SGD(parameters, 0.3)));
        Assert.Null(GradientStep.PlainSgdRate(optim.SGD(parameters, 0.3, weight_decay: 0.1)));
        Assert.Null(GradientStep.PlainSgdRate(optim.SGD(parameters, 0.3, momentum: 0.9)));
        Assert.Null(GradientStep.PlainSgdRate(optim.Adam(parameters, 0.3)));
    }

    [Fact]
    public void GlobalNormIsTheNormOfAllGradientsAsOneVector()
    {
        var tensors = new[] { tensor(new[] { 3.0, 4.0 }), tensor(new[] { 12.0 }) };
        Assert.Equal(13.0, GradientStep.GlobalNorm(tensors), 12);
    }
}
