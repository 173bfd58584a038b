using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PSRnn.Commands;
using PSRnn.Engine.Evaluation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;
using Xunit;

namespace PSRnn.Tests;

/// <summary>The cmdlets in-process, through a runspace of the PowerShell SDK.</summary>
public sealed class CmdletTests : IDisposable
{
    private static readonly string Text = TestData.Text(2500);
    private readonly Runspace runspace;

    public CmdletTests()
    {
        var state = InitialSessionState.CreateDefault2();
        foreach (var type in typeof(NewRnnModelCommand).Assembly.GetTypes().Where(t => t.GetCustomAttributes(typeof(CmdletAttribute), false).Length > 0))
        {
            var attribute = (CmdletAttribute)type.GetCustomAttributes(typeof(CmdletAttribute), false)[0];
            state.Commands.Add(new SessionStateCmdletEntry($"{attribute.VerbName}-{attribute.NounName}", type, null));
        }
        runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        runspace.SessionStateProxy.SetVariable("text", Text);
    }

    public void Dispose() => runspace.Dispose();

    private List<PSObject> Run(string script)
    {
        using var shell = PowerShell.Create();
        shell.Runspace = runspace;
        return shell.AddScript(script).Invoke().ToList();
    }

    private ErrorRecord Error(string script)
    {
        var e = Assert.Throws<CmdletInvocationException>(() => Run("$ErrorActionPreference = 'Stop'; " + script));
        return e.ErrorRecord;
    }

    [Fact]
    public void TrainingStreamsOneEpochRecordPerEpochWithItsHyperparameters()
    {
        var output = Run("$m = $text | New-RnnModel -HiddenSize 16 -Seed 1; $text | Invoke-RnnTraining -Model $m -Epochs 3 -BatchSize 4 -NumSteps 8 -LearningRate 0.5 -Sampling Random");
        var epochs = output.Select(o => Assert.IsType<EpochRecord>(o.BaseObject)).ToList();
        Assert.Equal(new[] { 1, 2, 3 }, epochs.Select(e => e.Epoch));
        Assert.All(epochs, e => Assert.Equal((4, 8, 0.5, nameof(StateReset.EveryBatch)), (e.BatchSize, e.NumSteps, e.LearningRate, e.StateReset)));
        Assert.All(epochs, e => Assert.Equal(Math.Exp(e.Loss), e.Perplexity, precision: 9));
    }

    [Fact]
    public void ModelMeasurementAndHiddenStatesComeOutAsObjects()
    {
        var model = Assert.IsType<RnnModel>(Run("$text | New-RnnModel -Implementation Scratch -HiddenSize 12 -Seed 4").Single().BaseObject);
        Assert.Equal((CellType.Rnn, Implementation.Scratch, 12, ComputeDevice.Cpu, 0), (model.CellType, model.Implementation, model.HiddenSize, model.Device, model.EpochsTrained));
        runspace.SessionStateProxy.SetVariable("m", model);
        var perplexity = Assert.IsType<PerplexityResult>(Run("$text | Measure-Perplexity -Model $m").Single().BaseObject);
        Assert.Equal(Text.TrimEnd().Length - 1, perplexity.Tokens); // d2l trims the trailing space
        var steps = Run("Get-HiddenState -Model $m -Text 'time'").Select(o => Assert.IsType<HiddenStateStep>(o.BaseObject)).ToList();
        Assert.Equal(new[] { "t", "i", "m", "e" }, steps.Select(s => s.Token));
        var prediction = Assert.IsType<Prediction>(Run("Get-RnnPrediction -Model $m -Prefix 'The Time' -Length 7").Single().BaseObject);
        Assert.Equal(("the time", 7), (prediction.Prefix, prediction.Text.Length));
    }

    [Theory]
    [InlineData("$text | New-RnnModel -Device Cuda", "PSRnn.CudaUnavailable", ErrorCategory.ResourceUnavailable)]
    [InlineData("'1234 !!' | New-RnnModel", "PSRnn.EmptyText", ErrorCategory.InvalidData)]
    [InlineData("$text | New-RnnModel -HiddenSize 0", "PSRnn.InvalidHyperparameter", ErrorCategory.InvalidArgument)]
    [InlineData("$m = $text | New-RnnModel; $text | Invoke-RnnTraining -Model $m -LearningRate ([double]::NaN)", "PSRnn.InvalidHyperparameter", ErrorCategory.InvalidArgument)]
    [InlineData("$m = $text | New-RnnModel; 'the time' | Invoke-RnnTraining -Model $m", "PSRnn.CorpusTooShort", ErrorCategory.InvalidData)]
    [InlineData("$m = $text | New-RnnModel; $m | Invoke-RnnTraining -Model $m", "PSRnn.TextExpected", ErrorCategory.InvalidType)]
    [InlineData("$m = New-RnnModel -Vocabulary a, b; 'xyz' | Measure-Perplexity -Model $m", "PSRnn.UnknownText", ErrorCategory.InvalidData)]
    [InlineData("$m = $text | New-RnnModel; Get-RnnPrediction -Model $m -Prefix 'the' -Length -1", "PSRnn.InvalidLength", ErrorCategory.InvalidArgument)]
    public void BadInputGivesAStableErrorIdAndCategory(string script, string errorId, ErrorCategory category)
    {
        var error = Error(script);
        Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.False(string.IsNullOrWhiteSpace(error.Exception.Message));
    }
}
