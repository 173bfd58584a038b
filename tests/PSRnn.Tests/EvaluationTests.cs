using PSRnn.Engine.Evaluation;
using PSRnn.Engine.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

public class EvaluationTests
{
    private static readonly string Text = TestData.Text(600);

    [Theory]
    [InlineData(Implementation.Scratch, "W_hq", "b_q")]
    [InlineData(Implementation.Fused, "output.weight", "output.bias")]
    public void UniformLogitsGivePerplexityEqualToTheVocabularySize(Implementation implementation, string weight, string bias)
    {
        using var model = TestData.Model(implementation, Text);
        var parameters = model.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
        {
            parameters[weight].zero_();
            parameters[bias].zero_();
        }
        var result = Evaluator.Perplexity(model, TestData.Tokens(model, Text));
        Assert.Equal(model.VocabularySize, result.Perplexity, precision: 4);
        Assert.Equal(Math.Log(model.VocabularySize), result.CrossEntropy, precision: 6);
        Assert.Equal(599, result.Tokens);
    }

    [Fact]
    public void PerplexityDoesNotDependOnHowTheStreamIsChunked()
    {
        // The carried state makes chunking invisible: compare with one forward pass over everything.
        using var model = TestData.Model(Implementation.Scratch, Text);
        var tokens = TestData.Tokens(model, Text);
        Assert.True(tokens.Length > Evaluator.ChunkSteps);
        var chunked = Evaluator.Perplexity(model, tokens);
        using (no_grad())
        {
            var inputs = tensor(tokens[..^1], new long[] { tokens.Length - 1, 1 });
            var targets = tensor(tokens[1..]);
            var (logits, _) = model.Network.call(inputs, model.Network.InitialState(1));
            var whole = nn.functional.cross_entropy(logits, targets).ToDouble();
            Assert.Equal(whole, chunked.CrossEntropy, precision: 5);
        }
    }

    [Fact]
    public void HiddenStatesHaveOneRowPerTokenAndHonourTheInitialState()
    {
        using var model = TestData.Model(Implementation.Fused, Text, hidden: 8);
        var tokens = TestData.Tokens(model, "time traveller");
        var trace = Evaluator.Trace(model, tokens);
        Assert.Equal(14, trace.Steps);
        Assert.Equal(8, trace.Hidden(0, 0).Length);
        Assert.Null(trace.Cell(0, 0));
        // The trace's top layer equals the network's own per-step outputs.
        using (no_grad())
        {
            var (outputs, _) = model.Network.RunLayers(tensor(tokens, new long[] { tokens.Length, 1 }), model.Network.InitialState(1));
            for (var t = 0; t < trace.Steps; t++)
                Assert.Equal(outputs[t, 0].data<float>().ToArray(), trace.Hidden(t, 0), new FloatTolerance(1e-5f));
        }
        // Continuing from step 4's full state must reproduce steps 5.. of the full run.
        var resumed = Evaluator.Trace(model, tokens[4..], trace.Full(3));
        for (var t = 0; t < resumed.Steps; t++)
            Assert.Equal(trace.Hidden(t + 4, 0), resumed.Hidden(t, 0), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void GreedyGenerationIsDeterministicAndUsesTheVocabulary()
    {
        using var model = TestData.Model(Implementation.Scratch, Text);
        var prefix = TestData.Tokens(model, "the time");
        var first = TextGenerator.Continue(model, prefix, 20, new GenerationOptions());
        Assert.Equal(20, first.Length);
        Assert.All(first, i => Assert.InRange(i, 0, model.VocabularySize - 1));
        Assert.Equal(first, TextGenerator.Continue(model, prefix, 20, new GenerationOptions()));
        Assert.Empty(TextGenerator.Continue(model, prefix, 0, new GenerationOptions()));
    }

    [Fact]
    public void EachGeneratedTokenIsTheArgmaxOfAForwardPassOverEverythingBefore()
    {
        using var model = TestData.Model(Implementation.Fused, Text, hidden: 8);
        using (no_grad()) foreach (var p in model.Network.parameters()) p.mul_(20);
        var prefix = TestData.Tokens(model, "the time");
        var generated = TextGenerator.Continue(model, prefix, 12, new GenerationOptions());
        Assert.True(generated.Distinct().Count() > 1, "weights this large should not settle on one token");
        using (no_grad())
        {
            for (var k = 0; k < generated.Length; k++)
            {
                var context = prefix.Concat(generated[..k]).ToArray();
                var (logits, _) = model.Network.call(tensor(context, new long[] { context.Length, 1 }), model.Network.InitialState(1));
                Assert.Equal(logits[-1].argmax().item<long>(), generated[k]);
            }
        }
    }

    [Fact]
    public void SamplingIsSeededAndTopKOneIsGreedy()
    {
        using var model = TestData.Model(Implementation.Fused, Text, hidden: 8);
        using (no_grad()) foreach (var p in model.Network.parameters()) p.mul_(20);
        var prefix = TestData.Tokens(model, "the");
        var warm = new GenerationOptions(Temperature: 1.5, Seed: 4);
        Assert.Equal(TextGenerator.Continue(model, prefix, 30, warm), TextGenerator.Continue(model, prefix, 30, warm));
        Assert.NotEqual(TextGenerator.Continue(model, prefix, 30, warm), TextGenerator.Continue(model, prefix, 30, warm with { Seed = 5 }));
        Assert.Equal(TextGenerator.Continue(model, prefix, 30, new GenerationOptions()),
                     TextGenerator.Continue(model, prefix, 30, new GenerationOptions(Temperature: 2, TopK: 1, Seed: 9)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TextGenerator.Continue(model, prefix, 3, new GenerationOptions(Temperature: -1)));
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float value) => 0;
    }

    [Fact]
    public void KthLargestAgreesWithASortIncludingTies()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 5000).Select(_ => Math.Round(random.NextDouble() * 50)).ToArray();
        foreach (var k in new[] { 1, 2, 7, 100, 4999, 5000 })
            Assert.Equal(values.OrderByDescending(v => v).ElementAt(k - 1), GenerationOptions.KthLargest(values, k));
    }

    [Fact]
    public void TopKSamplesOnlyAmongTheKMostLikely()
    {
        var logits = Enumerable.Range(0, 1000).Select(i => i / 100.0).ToArray();
        var options = new GenerationOptions(Temperature: 5, TopK: 3);
        var random = new Random(1);
        var chosen = Enumerable.Range(0, 300).Select(_ => options.Choose(logits, random)).ToHashSet();
        Assert.Equal(new HashSet<long> { 997, 998, 999 }, chosen);
    }
}
