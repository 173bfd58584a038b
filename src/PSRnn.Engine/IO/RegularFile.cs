using System.Runtime.InteropServices;

namespace PSRnn.Engine.IO;

/// <summary>How messages speak of a file: "text file", with an example name and advice for a folder given instead.</summary>
/// <param name="FolderAdvice">What to do when a folder was given; {0} is the folder's path.</param>
public sealed record FileRole(string Noun, string ExampleName, string FolderAdvice)
{
    public static FileRole Text { get; } = new("text file", "text.txt", "Give a text file, or pipe the folder's files: Get-ChildItem '{0}' -File | ...");
    public static FileRole Model { get; } = new("model file", "model.psrnn", "Give the file's path, e.g. Get-ChildItem '{0}' -Filter *.psrnn | Import-RnnModel.");
    public static FileRole Plot { get; } = new("plot", "curves.png", "Give a file path ending in .png or .svg.");
    public static FileRole StateDict { get; } = new("PyTorch state_dict file", "model.pt", "Give the file's path, e.g. Get-ChildItem '{0}' -Filter *.pt.");
}

/// <summary>
/// The one gate between PSRnn and the user's files. Reads open regular files only (a link to one is
/// followed) and refuse FIFOs, devices, sockets, folders and dangling links before anything could
/// block; writes go only to a regular file or a new name. Every failure is a <see cref="FileException"/>.
/// </summary>
public static class RegularFile
{
    // Windows reports a file another process holds locked as ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION;
    // .NET on Unix emulates FileShare with flock and reports EWOULDBLOCK.
    private const int SharingViolation = 32, LockViolation = 33, WouldBlock = 11, EAccess = 13;

    /// <summary>The full form of a user's path; one the file system cannot take is <see cref="FileProblem.InvalidPath"/>.</summary>
    public static string FullPath(string path)
    {
        try
        {
            if (path.Contains('\0')) throw new ArgumentException("it contains a NUL character");
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new FileException(FileProblem.InvalidPath, path,
                $"'{path.Replace("\0", "\\0")}' is not a valid path: {e.Message.Split(" (Parameter")[0].TrimEnd('.')}. Give the path of a file.", e);
        }
    }

    /// <summary>Opens <paramref name="path"/> for reading (others may read it too).</summary>
    public static FileStream OpenRead(string path, FileRole role)
    {
        path = FullPath(path);
        CheckReadable(path, role);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReadFailed(path, role, e);
        }
    }

    /// <summary>Refuses, with the reason, a path that is not an existing regular file (or a link to one).</summary>
    public static void CheckReadable(string path, FileRole role)
    {
        var status = FileKinds.Of(path);
        switch (status.Kind)
        {
            case FileKind.Regular:
                return;
            case FileKind.Missing when FileKinds.Of(path, followLinks: false).Kind == FileKind.SymbolicLink:
                throw new FileException(FileProblem.NotFound, path,
                    $"'{path}' is a symbolic link to '{new FileInfo(path).LinkTarget}', which does not exist. Point the link at an existing {role.Noun}, or give the file's own path.");
            case FileKind.Missing:
                throw new FileException(FileProblem.NotFound, path, $"The {role.Noun} '{path}' does not exist. Check the path.");
            case FileKind.Directory:
                throw new FileException(FileProblem.IsDirectory, path, $"'{path}' is a folder, not a {role.Noun}. {string.Format(role.FolderAdvice, path)}");
            case FileKind.Unknown:
                throw LookupFailed(FileProblem.ReadFailed, "read", path, status);
            default:
                throw new FileException(FileProblem.NotRegularFile, path,
                    $"'{path}' is {status.Describe()}, not a regular file. PSRnn reads only regular files, since a pipe or a device can block or never end: " +
                    $"save what it holds to a regular file first, and give that file's path.");
        }
    }

    /// <summary>A read that failed after the file was opened (or while opening it), as a <see cref="FileException"/>.</summary>
    public static FileException ReadFailed(string path, FileRole role, Exception e) => e switch
    {
        FileException known => known,
        UnauthorizedAccessException => new FileException(FileProblem.ReadFailed, path,
            $"PSRnn may not read '{path}' (permission denied). Change the file's permissions, or run as a user who may read it.", e),
        FileNotFoundException or DirectoryNotFoundException => new FileException(FileProblem.NotFound, path, $"The {role.Noun} '{path}' does not exist. Check the path.", e),
        IOException when (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is SharingViolation or LockViolation : e.HResult == WouldBlock) => new FileException(FileProblem.InUse, path,
            $"'{path}' is locked by another process, so PSRnn cannot read it now. Close the program that holds it (or wait for it to finish), then try again.", e),
        _ => new FileException(FileProblem.ReadFailed, path,
            $"Could not read '{path}': {e.Message.TrimEnd('.')}. The file or the device it is on may be damaged or unavailable: copy it to a regular file elsewhere and try again.", e),
    };

    /// <summary>
    /// The path a write of <paramref name="path"/> goes to, once checked: a symbolic link is followed
    /// (the link stays, its target is replaced), the target must be absent or a regular file, and its
    /// folder must exist. A device, FIFO or socket is never replaced: renaming over it would swap a
    /// system's /dev/null for a regular file.
    /// </summary>
    public static string WriteTarget(string path, FileRole role)
    {
        path = FullPath(path);
        if (FileKinds.Of(path, followLinks: false).Kind == FileKind.SymbolicLink)
        {
            try
            {
                path = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
            }
            catch (IOException e)
            {
                throw new FileException(FileProblem.WriteFailed, path, $"Could not write '{path}': {e.Message.TrimEnd('.')}. Point the link at a file, or give another path.", e);
            }
        }
        var status = FileKinds.Of(path);
        switch (status.Kind)
        {
            case FileKind.Missing or FileKind.Regular:
                break;
            case FileKind.Directory:
                throw new FileException(FileProblem.IsDirectory, path, $"'{path}' is a folder. Give a file path, e.g. '{Path.Combine(path, role.ExampleName)}'.");
            case FileKind.Unknown:
                throw LookupFailed(FileProblem.WriteFailed, "write", path, status);
            default:
                throw new FileException(FileProblem.NotRegularFile, path,
                    $"'{path}' is {status.Describe()}, not a regular file. PSRnn writes only regular files, so it leaves that one as it is. Give the path of a file.");
        }
        var folder = Path.GetDirectoryName(path)!;
        var folderKind = FileKinds.Of(folder).Kind;
        if (folderKind == FileKind.Missing)
            throw new FileException(FileProblem.WriteFailed, path,
                $"Could not write '{path}': the folder '{folder}' does not exist. Create it first (New-Item -ItemType Directory), or choose another path.");
        if (folderKind != FileKind.Directory && folderKind != FileKind.Unknown)
            throw new FileException(FileProblem.WriteFailed, path,
                $"Could not write '{path}': '{folder}' is {FileKinds.Of(folder).Describe()}, not a folder. Choose a path inside a folder.");
        return path;
    }

    /// <summary>The file system could not even say what the path is (a folder without permission, a link loop, a name too long).</summary>
    private static FileException LookupFailed(FileProblem problem, string verb, string path, FileStatus status) =>
        new(problem, path, $"Could not {verb} '{path}': {Marshal.GetPInvokeErrorMessage(status.Error)}. Check the path and its folders' permissions.",
            permissionDenied: status.Error == EAccess);

    /// <summary>True when <paramref name="path"/> names an existing file, following links (a dangling link is not one).</summary>
    public static bool Exists(string path) => FileKinds.Of(path).Exists;
}
