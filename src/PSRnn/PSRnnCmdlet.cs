using System.Management.Automation;

namespace PSRnn;

/// <summary>Shared plumbing for PSRnn's cmdlets: stable error records and cancellation on Ctrl+C.</summary>
public abstract class PSRnnCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource stopping = new();

    protected CancellationToken Cancellation => stopping.Token;

    protected override void StopProcessing() => stopping.Cancel();

    /// <summary>Stops the cmdlet with an error whose ErrorId is "PSRnn.{id}".</summary>
    protected void Fail(string id, ErrorCategory category, string message, object? target = null, Exception? inner = null) =>
        ThrowTerminatingError(ErrorFactory.Create(id, category, message, target, inner));

    /// <summary>Runs engine code, turning the engine's documented exceptions into PSRnn errors.</summary>
    protected void Engine(Action work, object? target = null) => Engine(() => { work(); return true; }, target);

    /// <inheritdoc cref="Engine(Action, object?)"/>
    protected T Engine<T>(Func<T> work, object? target = null)
    {
        try
        {
            return work();
        }
        catch (Exception e) when (ErrorFactory.TryTranslate(e, target) is { } record)
        {
            ThrowTerminatingError(record);
            throw; // unreachable: ThrowTerminatingError always throws
        }
    }
}
