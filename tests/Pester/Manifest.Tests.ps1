# The published module as a gallery and PowerShell see it: manifest, verbs, output types and views,
# and that the manifest exports exactly the cmdlets compiled into PSRnn.dll.

BeforeDiscovery {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    $Cmdlets = @((Get-Module PSRnn).ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    $moduleDir = (Get-Module PSRnn).ModuleBase
    $manifestPath = Join-Path $moduleDir 'PSRnn.psd1'
    $data = Import-PowerShellDataFile -LiteralPath $manifestPath
}

Describe 'The module manifest' {
    It 'passes Test-ModuleManifest' {
        $manifest = Test-ModuleManifest -Path $manifestPath -ErrorAction Stop
        $manifest.Name | Should -Be 'PSRnn'
        $manifest.Version | Should -BeGreaterThan ([version] '0.0')
    }

    It 'has the metadata a gallery shows: <Field>' -ForEach @(
        @{ Field = 'Description' }, @{ Field = 'Author' }, @{ Field = 'CompanyName' }, @{ Field = 'Copyright' }, @{ Field = 'ModuleVersion' }
    ) {
        $data[$Field] | Should -Not -BeNullOrEmpty
    }

    It 'has tags and release notes, and the Core edition tag' {
        $data.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
        $data.PrivateData.PSData.Tags | ForEach-Object { $_ | Should -Not -Match '\s' }   # gallery tags have no spaces
        $data.PrivateData.PSData.ReleaseNotes | Should -Match ([regex]::Escape($data.ModuleVersion))
    }

    It 'ships the MIT LICENSE its Copyright names, and no web address it cannot back' {
        $license = Join-Path $moduleDir 'LICENSE'
        Get-Content -Raw -LiteralPath $license | Should -Match '(?s)^MIT License.*The PSRnn team.*WITHOUT WARRANTY OF ANY KIND'
        $data.Copyright | Should -Match 'MIT'
        foreach ($uri in 'ProjectUri', 'LicenseUri', 'IconUri') { $data.PrivateData.PSData.Keys | Should -Not -Contain $uri }
        $data.Keys | Should -Not -Contain 'HelpInfoURI'
    }

    It 'exports exactly the cmdlets compiled into PSRnn.dll' {
        $assembly = [PSRnn.Commands.GetRnnCorpusCommand].Assembly
        $compiled = foreach ($type in $assembly.GetExportedTypes()) {
            $attribute = [Attribute]::GetCustomAttribute($type, [System.Management.Automation.CmdletAttribute])
            if ($attribute) { "$($attribute.VerbName)-$($attribute.NounName)" }
        }
        @($data.CmdletsToExport | Sort-Object) | Should -Be @($compiled | Sort-Object)
        @((Get-Module PSRnn).ExportedCmdlets.Keys | Sort-Object) | Should -Be @($compiled | Sort-Object)
    }

    It 'installs its help in en-US, beside the module' {
        Test-Path -LiteralPath (Join-Path $moduleDir 'en-US/PSRnn.dll-Help.xml') | Should -BeTrue
    }
}

Describe '<Name>' -ForEach $Cmdlets {
    BeforeAll { $command = Get-Command $Name }

    It 'uses an approved verb' {
        (Get-Verb).Verb | Should -Contain $command.Verb
    }

    It 'declares [OutputType]' {
        $declared = @($command.ImplementingType.GetCustomAttributes([System.Management.Automation.OutputTypeAttribute], $true))
        $declared | Should -Not -BeNullOrEmpty
    }

    It 'has a default view for each output type it defines' {
        # Types of PowerShell or .NET (String, FileInfo, arrays) have views of their own; PSRnn's need ours.
        foreach ($type in $command.OutputType.Type | Where-Object { $_ -and $_.Namespace -like 'PSRnn*' }) {
            $views = @(Get-FormatData -TypeName $type.FullName)
            $views | Should -Not -BeNullOrEmpty -Because "$($type.FullName) needs a view in PSRnn.Format.ps1xml"
            $views[0].FormatViewDefinition | Should -Not -BeNullOrEmpty
        }
    }
}
