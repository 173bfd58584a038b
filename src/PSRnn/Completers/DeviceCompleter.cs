using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSRnn.Engine.Models;

namespace PSRnn.Completers;

/// <summary>
/// Completes -Device with the devices this machine really has: Auto and Cpu always, Cuda only when
/// libtorch sees a CUDA GPU. Typing Cuda by hand still binds (and fails with PSRnn.CudaUnavailable
/// where there is none); the completer only stops suggesting it.
/// </summary>
/// <remarks>
/// PowerShell 7 completes an enum-typed parameter from the enum's names before it looks at any
/// [ArgumentCompleter] or Register-ArgumentCompleter (CompletionCompleters.ProcessParameter checks
/// ValidateSet, then enums, then custom completers), so -Device is a string checked by
/// <see cref="ValidateDeviceNameAttribute"/> rather than a <see cref="ComputeDevice"/>.
/// </remarks>
public sealed class DeviceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                          CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var cuda = Devices.CudaAvailable;
        var choices = new List<(string, string)>
        {
            (nameof(ComputeDevice.Auto), cuda ? "Auto: the CUDA GPU on this machine" : "Auto: the CPU on this machine (no CUDA GPU is available)"),
            (nameof(ComputeDevice.Cpu), "Cpu: the CPU, with -Threads libtorch threads"),
        };
        if (cuda) choices.Add((nameof(ComputeDevice.Cuda), "Cuda: the CUDA GPU"));
        return ChoiceCompletion.Complete(wordToComplete, choices);
    }
}

/// <summary>
/// Accepts the names of <see cref="ComputeDevice"/> (any case) at binding time, as an enum parameter
/// would, and names the valid ones otherwise. ValidValues is what the help generator lists.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ValidateDeviceNameAttribute : ValidateArgumentsAttribute
{
    public IList<string> ValidValues { get; } = Enum.GetNames<ComputeDevice>();

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var name = arguments is PSObject wrapped ? wrapped.BaseObject : arguments;
        if (name is not string text || Parse(text) is null)
            throw new ValidationMetadataException($"'{name}' is not a device. Give one of: {string.Join(", ", ValidValues)}.");
    }

    /// <summary>The device a validated name stands for; null for anything else (numbers included).</summary>
    public static ComputeDevice? Parse(string name) =>
        Enum.GetNames<ComputeDevice>().FirstOrDefault(n => n.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase)) is { } known
            ? Enum.Parse<ComputeDevice>(known)
            : null;
}

/// <summary>
/// Prefix matching shared by PSRnn's completers: case-insensitive; a value the user began with a
/// quote is completed inside the same quotes (PowerShell leaves quoting to custom completers).
/// </summary>
internal static class ChoiceCompletion
{
    public static IEnumerable<CompletionResult> Complete(string? wordToComplete, IEnumerable<(string Text, string ToolTip)> choices)
    {
        var word = wordToComplete ?? "";
        var quote = word.Length > 0 && word[0] is '\'' or '"' ? word[..1] : "";
        var typed = word.Trim('\'', '"');
        return choices
            .Where(c => c.Text.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Select(c => new CompletionResult(quote + c.Text + quote, c.Text, CompletionResultType.ParameterValue, c.ToolTip))
            .ToList();
    }
}
