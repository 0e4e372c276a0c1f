import Foundation
import PackagePlugin

/// Runs `viewer-embed` over the target's `Viewer/` folder: its ES modules become one
/// classic script and, with the stylesheet, a generated Swift file of string constants.
@main
struct EmbedViewer: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let folder = target.directoryURL.appending(path: "Viewer")
        let listed: [URL]
        do {
            listed = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        } catch {
            Diagnostics.error("cannot list \(folder.path): \(error)")
            throw error
        }
        let inputs =
            listed
            .filter { ["js", "css"].contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedViewer.swift")
        return [
            .buildCommand(
                displayName: "Embedding the viewer (\(inputs.count) files)",
                executable: try context.tool(named: "viewer-embed").url,
                arguments: [folder.path, output.path],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
