# examples/RemoteSweep.ps1 against a real sshd on loopback that this test starts itself (Debian's
# openssh-server; .ci/run installs it), with this pwsh as the SSH "powershell" subsystem. Skipped
# where sshd is absent or the test does not run as root (sshd's privilege separation needs it).

BeforeDiscovery {
    $CanServe = $IsLinux -and (Test-Path /usr/sbin/sshd) -and ((id -u) -eq '0')
}

Describe 'A sweep over SSH remoting' -Tag Remote -Skip:(-not $CanServe) {
    BeforeAll {
        Import-Module $env:PSRNN_TEST_MODULE -Force   # the views, as on the machine that gathers results
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $dir = Join-Path $TestDrive 'sshd'
        New-Item -ItemType Directory $dir | Out-Null
        ssh-keygen -q -t ed25519 -N '' -f (Join-Path $dir 'host_key') | Out-Null
        ssh-keygen -q -t ed25519 -N '' -f (Join-Path $dir 'client_key') | Out-Null
        Copy-Item (Join-Path $dir 'client_key.pub') (Join-Path $dir 'authorized_keys')
        New-Item -ItemType Directory /run/sshd -Force | Out-Null

        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()

        # The subsystem is this very pwsh (a dotnet local tool runs as 'dotnet pwsh.dll').
        $subsystem = (Get-PwshCommand) -join ' '
        @"
Port $port
ListenAddress 127.0.0.1
HostKey $(Join-Path $dir 'host_key')
PidFile $(Join-Path $dir 'sshd.pid')
AuthorizedKeysFile $(Join-Path $dir 'authorized_keys')
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem powershell $subsystem -sshs -NoLogo -NoProfile
"@ | Set-Content (Join-Path $dir 'sshd_config')
        # -D: stay in the foreground as our child, so the test owns and ends it.
        $sshd = Start-Process /usr/sbin/sshd -ArgumentList '-D', '-f', (Join-Path $dir 'sshd_config'), '-E', (Join-Path $dir 'sshd.log') -PassThru
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        do {
            Start-Sleep -Milliseconds 200
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect('127.0.0.1', $port); $ready = $true } catch { $ready = $false } finally { $client.Dispose() }
        } until ($ready -or [DateTime]::UtcNow -gt $deadline)

        $text = New-TestText -Length 1500 -Seed 9
        $records = & (Join-Path $PSScriptRoot '../../examples/RemoteSweep.ps1') -HostName 127.0.0.1 -Port $port -UserName root `
            -KeyFilePath (Join-Path $dir 'client_key') -Options @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' } `
            -RemoteModulePath $env:PSRNN_TEST_MODULE -Text $text -HiddenSize 8 -StateReset EveryBatch, EveryEpoch -Epochs 2 -BatchSize 4 -NumSteps 8 -MaxTokens 0 `
            -CsvPath (Join-Path $TestDrive 'remote.csv') 6>$null
    }

    AfterAll {
        if ($sshd -and -not $sshd.HasExited) { Stop-Process -Id $sshd.Id -Force }
    }

    It 'gathers every epoch record of every trial from the host' {
        $records | Should -HaveCount 4   # 2 trials x 2 epochs
        ($records | Sort-Object StateReset, Epoch).Epoch | Should -Be @(1, 2, 1, 2)
        $records.PSComputerName | Select-Object -Unique | Should -Be '127.0.0.1'
        (Import-Csv (Join-Path $TestDrive 'remote.csv')) | Should -HaveCount 4
    }

    It 'keeps the type name and the default view through remoting serialisation' {
        $records[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.PSRnn.Engine.Training.EpochRecord'
        $records[0].Perplexity | Should -BeOfType ([double])
        ($records | Format-Table | Out-String) | Should -Match 'Tokens/s'
    }
}
