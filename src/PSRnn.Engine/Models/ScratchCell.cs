using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// One layer of a from-scratch recurrent network (d2l's from-scratch sections). Each gate g has
/// W_x{g} (input, hidden), W_h{g} (hidden, hidden) and b_{g} (hidden), weights from N(0, 0.01²) and
/// zero biases, named and ordered as in d2l; the network registers them (with a layer prefix).
/// The input projections X W_x* + b_* of every step are computed before the time loop in one
/// lookup or one matmul over the gates side by side; the time loop, a sequence kernel, does only the
/// hidden-side work (and its backward pass gives each weight gradient in one GEMM).
/// </summary>
internal abstract class ScratchCell
{
    private readonly string gates;
    private readonly Parameter[] wX, wH, b;

    protected ScratchCell(string gates, long inputSize, long hiddenSize, WeightInit init)
    {
        this.gates = gates;
        HiddenSize = hiddenSize;
        wX = new Parameter[gates.Length];
        wH = new Parameter[gates.Length];
        b = new Parameter[gates.Length];
        for (var g = 0; g < gates.Length; g++)
        {
            wX[g] = init.Normal(new[] { inputSize, hiddenSize });
            wH[g] = init.Normal(new[] { hiddenSize, hiddenSize });
            b[g] = init.Zeros(hiddenSize);
        }
    }

    public static ScratchCell Create(CellType cell, long inputSize, long hiddenSize, WeightInit init) => cell switch
    {
        CellType.Rnn => new ScratchRnnCell(inputSize, hiddenSize, init),
        CellType.Gru => new ScratchGruCell(inputSize, hiddenSize, init),
        CellType.Lstm => new ScratchLstmCell(inputSize, hiddenSize, init),
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell type."),
    };

    protected long HiddenSize { get; }

    /// <summary>d2l's names in d2l's order: W_x{g}, W_h{g}, b_{g} for each gate g.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        for (var g = 0; g < gates.Length; g++)
        {
            yield return ($"W_x{gates[g]}", wX[g]);
            yield return ($"W_h{gates[g]}", wH[g]);
            yield return ($"b_{gates[g]}", b[g]);
        }
    }

    /// <summary>X W_x* + b_* for one-hot X given as time-major token indices: rows of W_x*, [steps * batch, gates * hidden].</summary>
    public Tensor ProjectTokens(Tensor indices) => Side(wX).index_select(0, indices).add_(Side(b));

    /// <summary>X W_x* + b_* for features [steps, batch, input]: one matmul, [steps * batch, gates * hidden].</summary>
    public Tensor ProjectFeatures(Tensor features) => Side(b).addmm(features.reshape(-1, features.size(-1)), Side(wX));

    /// <summary>
    /// Runs the time loop over projected inputs [steps, batch, gates * hidden] from this layer's
    /// state rows (h, or h and c), which are replaced by the final ones; returns h of every step.
    /// </summary>
    public abstract Tensor Run(Tensor projected, Tensor[] state);

    /// <summary>W_h{g} for each gate g, in d2l's order.</summary>
    protected IReadOnlyList<Parameter> HiddenWeights => wH;

    /// <summary>Per-gate matrices side by side along the last dimension (no copy for a single gate).</summary>
    protected static Tensor Side(IReadOnlyList<Tensor> perGate) => perGate.Count == 1 ? perGate[0] : cat(perGate.ToArray(), -1);
}
