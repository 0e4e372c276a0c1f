import VisivoProject
import VisivoSupport

extension ProjectDecoder {
    // MARK: - Sources

    static let sourceKeys = [
        "name", "type", "database", "host", "port", "username", "password", "db_schema",
        "connection_pool_size", "attach", "account", "warehouse", "role", "project",
        "credentials_base64", "sslmode", "max_age", "freshness", "timezone", "location",
        "private_key_path", "private_key_passphrase", "read_only", "ssl_ca", "ssl_cert", "ssl_key",
    ]

    mutating func source(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "source '\($0)'" } ?? "source"
        guard let f = Fields(node, what: label, known: Self.sourceKeys, diagnostics: &diagnostics),
            let (name, synthetic) = name(of: f, kind: .source, parent: parent)
        else { return nil }
        guard let typeText = f.requiredString("type", &diagnostics) else { return nil }
        guard let type = Source.Kind(rawValue: typeText) else {
            let known = Source.Kind.allCases.map(\.rawValue)
            var message = "unknown source type '\(typeText)' in \(label); known types: \(known.joined(separator: ", "))"
            if let near = Suggest.nearest(to: typeText, in: known) { message += " (did you mean '\(near)'?)" }
            diagnostics.append(Diagnostic(.error, message, at: f["type"]!.location))
            return nil
        }
        let database = f.requiredString("database", &diagnostics) ?? ""
        var s = Source(name: name, type: type, database: database, location: node.location)
        s.synthetic = synthetic
        s.host = f.string("host", &diagnostics)
        s.port = f.int("port", &diagnostics)
        s.username = f.string("username", &diagnostics)
        s.password = f.string("password", &diagnostics)
        s.dbSchema = f.string("db_schema", &diagnostics)
        s.connectionPoolSize = f.int("connection_pool_size", &diagnostics)
        if let size = s.connectionPoolSize, size < 1 {
            diagnostics.append(Diagnostic(.error, "'connection_pool_size' of \(label) must be at least 1", at: f["connection_pool_size"]!.location))
        }
        s.sslmode = f.string("sslmode", &diagnostics)
        s.account = f.string("account", &diagnostics)
        s.warehouse = f.string("warehouse", &diagnostics)
        s.role = f.string("role", &diagnostics)
        s.project = f.string("project", &diagnostics)
        s.credentialsBase64 = f.string("credentials_base64", &diagnostics)
        s.privateKeyPath = f.string("private_key_path", &diagnostics)
        s.privateKeyPassphrase = f.string("private_key_passphrase", &diagnostics)
        s.dataLocation = f.string("location", &diagnostics)
        s.readOnly = f.bool("read_only", &diagnostics)
        s.sslCA = f.string("ssl_ca", &diagnostics)
        s.sslCert = f.string("ssl_cert", &diagnostics)
        s.sslKey = f.string("ssl_key", &diagnostics)
        checkConnectionSettings(s, f, label: label)
        s.maxAge = f.duration("max_age", &diagnostics)
        s.freshness = f.string("freshness", &diagnostics)
        for item in f.list("attach", &diagnostics) {
            guard let a = Fields(item, what: "an attach entry of \(label)", known: ["schema_name", "source"], diagnostics: &diagnostics),
                let schema = a.requiredString("schema_name", &diagnostics)
            else { continue }
            guard let srcNode = a["source"] else {
                diagnostics.append(Diagnostic(.error, "an attach entry of \(label) is missing required key 'source'", at: item.location))
                continue
            }
            if let text = srcNode.scalar, let refName = Self.parseRef(text) {
                s.attach.append(.init(schemaName: schema, database: "", sourceName: refName))
            } else if let sf = Fields(srcNode, what: "the attached source '\(schema)'", known: ["name", "type", "database"], diagnostics: &diagnostics),
                let db = sf.requiredString("database", &diagnostics)
            {
                s.attach.append(.init(schemaName: schema, database: db, sourceName: nil))
            }
        }
        project.sources.append(s)
        return Ref(name, at: node.location)
    }

    /// What a source of its type cannot connect without, said at load time (with the
    /// place) rather than by the first query.
    mutating func checkConnectionSettings(_ s: Source, _ f: Fields, label: String) {
        if let mode = s.sslmode, let at = f["sslmode"]?.location {
            let known: [String]
            let valid: Bool
            switch s.type {
            case .postgresql:
                known = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
                valid = known.contains(mode)
            case .mysql:
                known = Source.SSLMode.allCases.map(\.rawValue)
                valid = Source.SSLMode(setting: mode) != nil
            default:
                known = []
                valid = true
            }
            if !valid {
                var message = "unknown sslmode '\(mode)' in \(label); use \(known.dropLast().joined(separator: ", ")) or \(known.last!)"
                if let near = Suggest.nearest(to: mode, in: known) { message += " (did you mean '\(near)'?)" }
                diagnostics.append(Diagnostic(.error, message, at: at))
            }
        }
        if s.type == .snowflake {
            if f["account"] == nil {
                diagnostics.append(
                    Diagnostic(
                        .error, "\(label) is missing required key 'account' (the Snowflake account identifier, e.g. myorg-myaccount)", at: f.node.location))
            }
            if f["username"] == nil {
                diagnostics.append(Diagnostic(.error, "\(label) is missing required key 'username' (the Snowflake login name)", at: f.node.location))
            }
            if s.password == nil && s.privateKeyPath == nil {
                diagnostics.append(
                    Diagnostic(.error, "\(label) needs 'password' or 'private_key_path' (key-pair authentication) to log in to Snowflake", at: f.node.location))
            }
        }
    }
}
