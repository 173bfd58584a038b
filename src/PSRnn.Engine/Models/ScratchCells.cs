using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

// The three cells of d2l's from-scratch sections, each run as a sequence kernel (a custom autograd
// function over all steps, whose backward pass gives each weight gradient in one GEMM).

/// <summary>H = tanh(X W_xh + H W_hh + b_h).</summary>
internal sealed class ScratchRnnCell(long inputSize, long hiddenSize, WeightInit init)
    : ScratchCell("h", inputSize, hiddenSize, init)
{
    public override Tensor Run(Tensor projected, Tensor[] state)
    {
        var (outputs, final) = TanhRnnSequence.Run(projected, state[0], HiddenWeights[0], outByIn: false);
        state[0] = final;
        return outputs;
    }
}

/// <summary>
/// d2l's GRU: Z = σ(X W_xz + H W_hz + b_z), R = σ(X W_xr + H W_hr + b_r),
/// H~ = tanh(X W_xh + (R ⊙ H) W_hh + b_h), H = Z ⊙ H + (1 − Z) ⊙ H~.
/// The reset gate scales H before the matmul; libtorch's GRU scales the product after it
/// (n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))), so the two are different functions except in
/// special cases such as a diagonal W_hh (README, "What the model does").
/// </summary>
internal sealed class ScratchGruCell(long inputSize, long hiddenSize, WeightInit init)
    : ScratchCell("zrh", inputSize, hiddenSize, init)
{
    public override Tensor Run(Tensor projected, Tensor[] state)
    {
        // [W_hz W_hr] side by side for one matmul per step, and W_hh alone (it multiplies R ⊙ H).
        var gateWeights = Side(HiddenWeights.Take(2).ToArray());
        var (outputs, final) = ResetBeforeGruSequence.Run(projected, state[0], gateWeights, HiddenWeights[2]);
        state[0] = final;
        return outputs;
    }
}

/// <summary>
/// d2l's LSTM: I, F, O = σ(X W_x* + H W_h* + b_*), C~ = tanh(X W_xc + H W_hc + b_c),
/// C = F ⊙ C + I ⊙ C~, H = O ⊙ tanh(C). The state rows are (h, c).
/// </summary>
internal sealed class ScratchLstmCell(long inputSize, long hiddenSize, WeightInit init)
    : ScratchCell("ifoc", inputSize, hiddenSize, init)
{
    public override Tensor Run(Tensor projected, Tensor[] state)
    {
        // All four hidden-side matrices side by side: one matmul per step.
        var (outputs, hidden, cell) = LstmSequence.Run(projected, state[0], state[1], Side(HiddenWeights), outByIn: false, libTorchOrder: false);
        (state[0], state[1]) = (hidden, cell);
        return outputs;
    }
}
