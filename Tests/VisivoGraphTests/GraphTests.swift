import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoGraph

@Suite struct GraphTests {
    func withGraph(_ body: (ProjectGraph) throws -> Void) throws {
        try withTemporaryDirectory { dir in
            try write(graphProject, in: dir)
            try body(ProjectGraph(load(dir)))
        }
    }

    func names(_ g: ProjectGraph, _ s: Set<Int>) -> Set<String> { Set(s.map { g.nodes[$0].name }) }

    func select(_ g: ProjectGraph, _ expr: String) throws -> Set<String> {
        names(g, try NodeSelector(graph: g).select(expr))
    }

    @Test func topologicalOrderAndEdges() throws {
        try withGraph { g throws in
            for (i, needs) in g.needs.enumerated() { for j in needs { #expect(j < i, "\(g.nodes[j].name) must come before \(g.nodes[i].name)") } }
            let edges = Dictionary(uniqueKeysWithValues: g.nodes.indices.map { (g.nodes[$0].name, Set(g.needs[$0].map { g.nodes[$0].name })) })
            #expect(
                edges == [
                    "db": [], "orders": ["db"], "csv": [], "merged": ["orders", "csv"],
                    "t1": ["orders"], "t2": ["orders"], "t3": ["csv"], "t4": ["merged"],
                    "c1": ["t1", "t2"], "c2": ["t3"], "dash": ["c1", "c2"],
                ])
        }
    }

    @Test func selectorForms() throws {
        try withGraph { g throws in
            #expect(try select(g, "t1") == ["t1"])
            #expect(try select(g, "+t1") == ["t1", "orders", "db"])
            #expect(try select(g, "orders+") == ["orders", "t1", "t2", "merged", "t4", "c1", "dash"])
            #expect(try select(g, "+c2+") == ["c2", "t3", "csv", "dash"])
            #expect(try select(g, "1+t4") == ["t4", "merged"])
            #expect(try select(g, "orders+1") == ["orders", "t1", "t2", "merged"])
            #expect(try select(g, "@t3") == ["t3", "csv", "c2", "dash", "c1", "t1", "t2", "orders", "db"])
            #expect(try select(g, "type:trace") == ["t1", "t2", "t3", "t4"])
            #expect(try select(g, "type:chart") == ["c1", "c2"])
            #expect(try select(g, "source:db") == ["db", "orders", "t1", "t2", "merged", "t4", "c1", "dash"])
            #expect(try select(g, "file:more.visivo.yml") == ["t3", "c2"])
            #expect(try select(g, "t1 t3") == ["t1", "t3"])
            #expect(try select(g, "type:trace,source:db") == ["t1", "t2", "t4"])
            #expect(try select(g, "t*") == ["t1", "t2", "t3", "t4"])
        }
    }

    @Test func stateSelector() throws {
        try withGraph { g throws in
            let t2 = g.id(of: "t2")!
            let sel = NodeSelector(graph: g, isStale: { $0 == t2 })
            #expect(names(g, try sel.select("state:stale")) == ["t2"])
            #expect(names(g, try sel.select("state:stale,type:chart")) == [])
        }
    }

    @Test func selectorErrors() throws {
        try withGraph { g throws in
            #expect(throws: NodeSelector.SelectorError.noMatch(term: "t9", suggestion: "t1")) { try NodeSelector(graph: g).select("t9") }
            #expect(throws: NodeSelector.SelectorError.badMethod("color")) { try NodeSelector(graph: g).select("color:red") }
            #expect(NodeSelector.SelectorError.noMatch(term: "t9", suggestion: "t1").description == "selector 't9' matches no node (did you mean 't1'?)")
        }
    }

    @Test func quotedNamesWithSpaces() throws {
        #expect(try NodeSelector.split("'score by team'+ t1,type:trace") == [["score by team+"], ["t1", "type:trace"]])
    }
}
