//! Registry keys, parsed once for every backend: `conf:/a/./b@owner` is the property `owner`
//! of the resource `b` in folder `a` of the configuration registry.
//!
//! Several spellings name one resource (`gov:a/b`, `gov:/a/b`, `/a/b` and `a//b` all do), so
//! each backend stores a resource under its [`RegistryPath::canonical`] form, and a path that
//! could leave the registry (`..`) or names nothing (`conf:/`) is no key at all.

/// The four registries of WSO2 MI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// `conf:`: the configuration registry.
    Config,
    /// `gov:` or no prefix: the governance registry.
    Governance,
    /// `local:`: the local registry.
    Local,
    /// `resources:`: MI's `mi-resources` folder of the governance registry.
    Resources,
}

impl Root {
    /// The prefix as keys spell it (without the colon).
    pub fn prefix(self) -> &'static str {
        match self {
            Root::Config => "conf",
            Root::Governance => "gov",
            Root::Local => "local",
            Root::Resources => "resources",
        }
    }

    /// The folder below `<data-dir>/registry/` that holds it, as in MI.
    pub fn dir(self) -> &'static str {
        match self {
            Root::Config => "config",
            Root::Governance => "governance",
            Root::Local => "local",
            Root::Resources => "governance/mi-resources",
        }
    }
}

/// A parsed registry key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryPath<'a> {
    pub root: Root,
    /// The resource's path below the root: never empty, never `.` or `..`.
    pub segments: Vec<&'a str>,
    /// `Some(name)` for `path@name`, a property of the resource.
    pub property: Option<&'a str>,
}

impl<'a> RegistryPath<'a> {
    /// Parses a key; `None` for a key that names no resource or would leave the registry.
    pub fn parse(key: &'a str) -> Option<RegistryPath<'a>> {
        let (resource, property) = match key.rsplit_once('@') {
            Some((resource, property)) => (resource, Some(property)),
            None => (key, None),
        };
        let (root, rest) = match resource.split_once(':') {
            Some(("conf", rest)) => (Root::Config, rest),
            Some(("gov", rest)) => (Root::Governance, rest),
            Some(("local", rest)) => (Root::Local, rest),
            Some(("resources", rest)) => (Root::Resources, rest),
            // An unknown prefix is a mistake; a colon further down is part of a name.
            Some((prefix, _)) if !prefix.contains('/') => return None,
            _ => (Root::Governance, resource),
        };
        let mut segments = Vec::new();
        for segment in rest.split('/') {
            match segment {
                "" | "." => {}
                ".." => return None,
                // A backslash is a separator on Windows, so it could escape there.
                s if s.contains('\\') => return None,
                s => segments.push(s),
            }
        }
        (!segments.is_empty()).then_some(RegistryPath {
            root,
            segments,
            property,
        })
    }

    /// The resource's one spelling: `conf:/a/b` (without the property).
    pub fn canonical(&self) -> String {
        let mut out = String::with_capacity(
            self.root.prefix().len() + 2 + self.segments.iter().map(|s| s.len() + 1).sum::<usize>(),
        );
        out.push_str(self.root.prefix());
        out.push(':');
        for segment in &self.segments {
            out.push('/');
            out.push_str(segment);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_resource_share_a_canonical_form() {
        let canonical = |k: &str| RegistryPath::parse(k).map(|p| p.canonical());
        for (key, expected) in [
            (
                "conf:/connectors/x/accessToken",
                "conf:/connectors/x/accessToken",
            ),
            (
                "conf:connectors//x/./accessToken",
                "conf:/connectors/x/accessToken",
            ),
            ("gov:a/b", "gov:/a/b"),
            ("/a/b", "gov:/a/b"),
            ("a/b", "gov:/a/b"),
            ("local:/x", "local:/x"),
            ("resources:x", "resources:/x"),
            ("/a/b:c", "gov:/a/b:c"),
        ] {
            assert_eq!(canonical(key).as_deref(), Some(expected), "{key}");
        }
        for bad in [
            "conf:/",
            "conf:/../x",
            "bogus:/x",
            "conf:a/../../b",
            "gov:a\\..\\b",
            "",
        ] {
            assert_eq!(canonical(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_property_is_split_off_the_resource() {
        let path = RegistryPath::parse("conf:/app/token@owner").unwrap();
        assert_eq!(path.property, Some("owner"));
        assert_eq!(path.canonical(), "conf:/app/token");
        assert_eq!(
            RegistryPath::parse("conf:/app/token").unwrap().property,
            None
        );
    }
}
