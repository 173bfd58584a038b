using System.Collections.ObjectModel;
using System.Management.Automation;
using PSRnn.Completers;
using PSRnn.Engine.Models;

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
    /// <remarks>Work cancelled by Ctrl+C (StopProcessing) ends as PowerShell's own stop, not as an error.</remarks>
    protected T Engine<T>(Func<T> work, object? target = null)
    {
        try
        {
            return work();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (ErrorFactory.TryTranslate(e, target) is { } record)
        {
            ThrowTerminatingError(record);
            throw; // unreachable: ThrowTerminatingError always throws
        }
    }

    /// <summary>
    /// File-system paths of -Path patterns (wildcards) or -LiteralPath values. A pattern that matches
    /// nothing is PSRnn.FileNotFound: a wildcard matching nothing otherwise resolves to no paths at all.
    /// </summary>
    protected IEnumerable<string> ResolvePaths(string[]? patterns, string[]? literals, string what)
    {
        if (literals is not null)
        {
            foreach (var literal in literals) yield return FileSystemPath(literal);
            yield break;
        }
        foreach (var pattern in patterns ?? Array.Empty<string>())
        {
            Collection<string> resolved;
            ProviderInfo provider;
            try
            {
                resolved = GetResolvedProviderPathFromPSPath(pattern, out provider);
            }
            catch (ItemNotFoundException e)
            {
                Fail("FileNotFound", ErrorCategory.ObjectNotFound, $"No {what} matches '{pattern}'. Check the path, or use -LiteralPath for names with [ ] characters.", pattern, e);
                yield break;
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or PSInvalidOperationException)
            {
                Fail("InvalidPath", ErrorCategory.InvalidArgument, $"'{pattern}' is not a valid file path: {e.Message} Give the path of a file.", pattern, e);
                yield break;
            }
            RequireFileSystem(provider, pattern);
            if (resolved.Count == 0)
                Fail("FileNotFound", ErrorCategory.ObjectNotFound, $"No {what} matches '{pattern}'. Check the path and the wildcard.", pattern);
            foreach (var path in resolved) yield return path;
        }
    }

    /// <summary>
    /// The file-system path a user's path names (relative to the current location, ~ expanded), not
    /// resolved against existing files; a path of another provider (Env:, Variable:) or one PowerShell
    /// cannot parse is PSRnn.InvalidPath.
    /// </summary>
    protected string FileSystemPath(string path)
    {
        string resolved;
        ProviderInfo provider;
        try
        {
            resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or PSInvalidOperationException)
        {
            Fail("InvalidPath", ErrorCategory.InvalidArgument, $"'{path}' is not a valid file path: {e.Message} Give the path of a file.", path, e);
            throw; // unreachable: Fail always throws
        }
        RequireFileSystem(provider, path);
        return resolved;
    }

    private void RequireFileSystem(ProviderInfo provider, string path)
    {
        if (provider.Name != "FileSystem")
            Fail("InvalidPath", ErrorCategory.InvalidArgument,
                $"'{path}' is a path of PowerShell's {provider.Name} provider, not a file. Give the path of a file (e.g. ./model.psrnn).", path);
    }

    /// <summary>
    /// The device a -Device name asks for, resolved here (Auto picks CUDA when there is one);
    /// PSRnn.CudaUnavailable for Cuda without a CUDA GPU. With <paramref name="autoAsNull"/>, Auto
    /// gives null (the caller keeps its own choice, e.g. the device a model file was saved from).
    /// </summary>
    protected ComputeDevice? ResolveDevice(string name, bool autoAsNull = false)
    {
        var requested = ValidateDeviceNameAttribute.Parse(name)!.Value;
        if (requested == ComputeDevice.Auto && autoAsNull) return null;
        return Engine(() => Devices.Resolve(requested), name);
    }
}
