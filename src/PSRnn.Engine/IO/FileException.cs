namespace PSRnn.Engine.IO;

public enum FileProblem
{
    NotFound,
    AlreadyExists,
    /// <summary>The path is a folder where a file was expected.</summary>
    IsDirectory,
    /// <summary>A FIFO, device, socket or other node that is not a regular file.</summary>
    NotRegularFile,
    /// <summary>Another process holds the file locked.</summary>
    InUse,
    ReadFailed,
    WriteFailed,
    /// <summary>Not a text file PSRnn can read (binary, or not UTF-8).</summary>
    InvalidText,
    /// <summary>Not a readable PSRnn model file.</summary>
    InvalidModel,
    /// <summary>Not a PyTorch state_dict file PSRnn can read (not torch.save's zip, or no tensors in it).</summary>
    InvalidStateDict,
    /// <summary>A model file of a newer format than this PSRnn reads.</summary>
    NewerFormat,
    /// <summary>Not a path the file system can take (a NUL character, an unsupported form).</summary>
    InvalidPath,
}

/// <summary>A user's file could not be read or written; the message names the file and says what to do.</summary>
public sealed class FileException(FileProblem problem, string path, string message, Exception? inner = null, bool permissionDenied = false)
    : IOException(message, inner)
{
    public FileProblem Problem { get; } = problem;
    public string FilePath { get; } = path;
    /// <summary>The operating system refused access (permissions), rather than the file being absent or broken.</summary>
    public bool PermissionDenied { get; } = permissionDenied || inner is UnauthorizedAccessException;
}
