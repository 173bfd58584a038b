using PSRnn.Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static PSRnn.Tests.CellKit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>
/// The RNN, GRU and LSTM sequence kernels (custom autograd) against libtorch's own layers and against the
/// d2l equations run through plain autograd: outputs, final state, and the gradient of every
/// parameter, of the initial state and (through the projections) of the inputs, in float64 and float32,
/// for one and two layers, from a carried (non-zero) or a fresh (zero) state. Float64 runs the kernels'
/// libtorch calls, float32 FusedPasses' vector loops instead, at a hidden size below one 8-float vector
/// and at one with whole vectors and a remainder.
/// </summary>
public class SequenceKernelTests
{
    private const long Steps = 4, Batch = 3;

    public static TheoryData<CellType, int, ScalarType, bool, int> FusedCases() => Cases(CellType.Rnn, CellType.Gru, CellType.Lstm);

    public static TheoryData<CellType, int, ScalarType, bool, int> ScratchCases() => Cases(CellType.Rnn, CellType.Gru, CellType.Lstm);

    private static TheoryData<CellType, int, ScalarType, bool, int> Cases(params CellType[] cells)
    {
        var data = new TheoryData<CellType, int, ScalarType, bool, int>();
        foreach (var cell in cells)
        foreach (var layers in new[] { 1, 2 })
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        foreach (var carried in new[] { true, false })
        foreach (var hidden in new[] { 4, 19 })
            data.Add(cell, layers, dtype, carried, hidden);
        return data;
    }

    private static double Tolerance(ScalarType dtype) => dtype == ScalarType.Float64 ? 1e-10 : 1e-5;

    private static void AssertClose(Tensor expected, Tensor actual, ScalarType dtype, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = 1 + expected.abs().max().ToDouble();
        var difference = (expected - actual).abs().max().ToDouble();
        Assert.True(difference <= Tolerance(dtype) * scale, $"{what}: largest difference {difference} (scale {scale})");
    }

    /// <summary>Tokens [steps, batch], a state that takes gradients, and fixed weights that turn outputs and final state into one scalar.</summary>
    private static (Tensor Inputs, Tensor State, Func<Tensor, Tensor, Tensor> Loss) Problem(RecurrentNetwork network, bool carried)
    {
        using var generator = new torch.Generator(23, CPU);
        var spec = network.Spec;
        var inputs = randint(spec.VocabularySize, new[] { Steps, Batch }, generator: generator);
        var state = (carried ? randn(network.InitialState(Batch).shape, network.DType, generator: generator) : network.InitialState(Batch)).requires_grad_();
        var outputWeights = randn(new[] { Steps, Batch, spec.HiddenSize }, network.DType, generator: generator);
        var stateWeights = randn(state.shape, network.DType, generator: generator);
        return (inputs, state, (outputs, final) => (outputs * outputWeights).sum() + (final * stateWeights).sum());
    }

    /// <summary>
    /// libtorch's own layer on the fused network's weights, always in float64: a reference above the
    /// float32 kernels' precision, and libtorch's float32 CPU LSTM (oneDNN) is itself wrong on some
    /// CPUs (see FusedNetwork). <paramref name="run"/> maps one-hot inputs and a state in the kernel's
    /// layout (LSTM: h rows, then c rows) to outputs and the final state in that layout.
    /// </summary>
    private static nn.Module LibTorchLayer(RecurrentNetwork fused, out Func<Tensor, Tensor, (Tensor Outputs, Tensor Final)> run)
    {
        var spec = fused.Spec;
        var (input, hidden, layers) = (spec.VocabularySize, spec.HiddenSize, spec.NumLayers);
        nn.Module layer = spec.CellType switch
        {
            CellType.Rnn => nn.RNN(input, hidden, numLayers: layers, dtype: ScalarType.Float64),
            CellType.Gru => nn.GRU(input, hidden, numLayers: layers, dtype: ScalarType.Float64),
            _ => nn.LSTM(input, hidden, numLayers: layers, dtype: ScalarType.Float64),
        };
        var weights = Parameters(fused);
        using (no_grad())
            foreach (var (name, parameter) in layer.named_parameters()) parameter.copy_(weights["rnn." + name]);
        run = layer switch
        {
            LSTM lstm => (x, state) =>
            {
                var (outputs, h, c) = lstm.call(x, (state.narrow(0, 0, layers), state.narrow(0, layers, layers)));
                return (outputs, cat(new[] { h, c }, 0));
            },
            GRU gru => (x, state) => gru.call(x, state),
            _ => (x, state) => ((RNN)layer).call(x, state),
        };
        return layer;
    }

    [Theory]
    [MemberData(nameof(FusedCases))]
    public void FusedKernelEqualsLibTorchLayerWithEveryGradient(CellType cell, int layers, ScalarType dtype, bool carried, int hidden)
    {
        using var fused = NetworkFactory.Create(Spec(cell, Implementation.Fused, layers, hidden: hidden), seed: 3, CPU, dtype);
        Randomise(fused);
        using var layer = LibTorchLayer(fused, out var run);
        var (inputs, state, loss) = Problem(fused, carried);

        var (outputs, final) = fused.RunLayers(inputs, state);
        loss(outputs, final).backward();
        var stateGradient = state.grad!.clone();

        // libtorch's layer reads one-hot rows; their gradient is the input gradient the kernel's projection receives.
        var oneHot = nn.functional.one_hot(inputs, fused.Spec.VocabularySize).to(ScalarType.Float64).requires_grad_();
        var referenceState = state.detach().to(ScalarType.Float64).requires_grad_();
        var (expectedOutputs, expectedFinal) = run(oneHot, referenceState);
        loss(expectedOutputs, expectedFinal).backward();

        AssertClose(expectedOutputs, outputs, dtype, "outputs");
        AssertClose(expectedFinal, final, dtype, "final state");
        AssertClose(referenceState.grad!, stateGradient, dtype, "state gradient");
        var kernelGradients = Parameters(fused);
        var checkedParameters = 0;
        foreach (var (name, parameter) in layer.named_parameters())
        {
            AssertClose(parameter.grad!, kernelGradients["rnn." + name].grad!, dtype, name);
            checkedParameters++;
        }
        Assert.Equal(4 * layers, checkedParameters);
    }

    [Theory]
    [MemberData(nameof(ScratchCases))]
    public void ScratchKernelEqualsD2lEquationsThroughAutogradWithEveryGradient(CellType cell, int layers, ScalarType dtype, bool carried, int hidden)
    {
        using var scratch = NetworkFactory.Create(Spec(cell, layers: layers, hidden: hidden), seed: 3, CPU, dtype);
        Randomise(scratch);
        var (inputs, state, _) = Problem(scratch, carried);
        using var generator = new torch.Generator(29, CPU);
        var logitWeights = randn(new[] { Steps * Batch, scratch.Spec.VocabularySize }, dtype, generator: generator);
        var stateWeights = randn(state.shape, dtype, generator: generator);
        Tensor Loss((Tensor Logits, Tensor State) result) => (result.Logits * logitWeights).sum() + (result.State * stateWeights).sum();

        var kernel = scratch.call(inputs, state);
        Loss(kernel).backward();
        var kernelGradients = scratch.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        var stateGradient = state.grad!.clone();
        scratch.zero_grad();
        state.grad!.zero_();

        var reference = Reference(scratch, inputs, state);
        Loss(reference).backward();

        AssertClose(reference.Logits, kernel.Logits, dtype, "logits");
        AssertClose(reference.State, kernel.State, dtype, "final state");
        AssertClose(state.grad!, stateGradient, dtype, "state gradient");
        foreach (var (name, parameter) in scratch.named_parameters())
            AssertClose(parameter.grad!, kernelGradients[name], dtype, name);
        Assert.Equal(layers * 3 * (cell == CellType.Rnn ? 1 : cell == CellType.Gru ? 3 : 4) + 2, kernelGradients.Count);
    }

    [Theory]
    [InlineData(CellType.Rnn, 1)]
    [InlineData(CellType.Gru, 1)]
    [InlineData(CellType.Rnn, 2)]
    [InlineData(CellType.Gru, 2)]
    [InlineData(CellType.Lstm, 1)]
    [InlineData(CellType.Lstm, 2)]
    public void FusedKernelGradientsEqualCentralFiniteDifferencesInFloat64(CellType cell, int layers)
    {
        using var network = NetworkFactory.Create(Spec(cell, Implementation.Fused, layers), seed: 13, CPU, ScalarType.Float64);
        Randomise(network);
        var gates = cell switch { CellType.Rnn => 1, CellType.Gru => 3, _ => 4 };
        // weight_ih, weight_hh, both biases per layer, then the output layer (5 x 4 weights, 5 biases).
        var perLayer = (long k) => gates * 4 * ((k == 0 ? 5 : 4) + 4 + 2);
        Assert.Equal(perLayer(0) + (layers == 2 ? perLayer(1) : 0) + 25, AssertGradientsEqualFiniteDifferences(network));
    }

    [Theory]
    [InlineData(CellType.Rnn)]
    [InlineData(CellType.Gru)]
    [InlineData(CellType.Lstm)]
    public void KernelsGiveTheSameResultWithoutGradients(CellType cell)
    {
        foreach (var implementation in new[] { Implementation.Scratch, Implementation.Fused })
        {
            using var network = NetworkFactory.Create(Spec(cell, implementation, layers: 2), seed: 7, CPU, ScalarType.Float64);
            Randomise(network);
            var (inputs, _, state) = Batch(network);
            var (withGradients, stateWith) = network.call(inputs, state);
            using var _ = no_grad();
            var (without, stateWithout) = network.call(inputs, state);
            Assert.False(without.requires_grad);
            AssertClose(withGradients.detach(), without, ScalarType.Float64, $"{implementation} logits");
            AssertClose(stateWith.detach(), stateWithout, ScalarType.Float64, $"{implementation} state");
        }
    }
}
