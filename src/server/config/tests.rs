//! The config file's parsing, kind by kind, and its error messages.

use super::*;

#[test]
fn the_shipped_observ_toml_and_its_commented_examples_are_valid() {
    let shipped = include_str!("../../../observ.toml");
    assert!(agents_from_toml(shipped).unwrap().get("slow-echo").is_some());
    // Uncomment the examples' TOML lines (not their prose) and read them too.
    std::env::set_var("OPENAI_API_KEY", "sk-example");
    std::env::set_var("MY_SERVICE_TOKEN", "example");
    let examples: String = shipped
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest) if rest.starts_with('[') || rest.split_once(" = ").is_some_and(|(k, _)| !k.contains(' ')) => {
                rest
            }
            _ => line,
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let registry = agents_from_toml(&examples).unwrap();
    let kinds: Vec<_> = registry.list().into_iter().map(|a| (a.name, a.kind)).collect();
    assert!(kinds.contains(&("gpt-language".into(), "openai".into())), "{kinds:?}");
    assert!(kinds.contains(&("my-service".into(), "http".into())), "{kinds:?}");
}

#[test]
fn reads_command_agents() {
    let registry = agents_from_toml(
        "[agents.slow]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"sleep 1; cat\"]\ntimeout_ms = 5000\n",
    )
    .unwrap();
    let info = registry.list().into_iter().find(|a| a.name == "slow").unwrap();
    assert_eq!(info.kind, "command");
    assert!(info.description.contains("sh -c"));
    assert!(registry.get("echo").is_some(), "built-ins stay");
    assert_eq!(agents_from_toml("").unwrap().names().len(), 2);
}

#[test]
fn errors_name_the_key() {
    let cases = [
        ("[agents.a]\ncommand = [\"x\"]", "agents.a.kind: required"),
        ("[agents.a]\nkind = \"magic\"", "agents.a.kind: unknown kind `magic`"),
        ("[agents.a]\nkind = \"openai\"\nmodel = \"m\"", "agents.a.base_url: required"),
        ("[agents.a]\nkind = \"openai\"\nbase_url = \"ftp://x\"\nmodel = \"m\"", "agents.a.base_url: must start with http"),
        ("[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"", "agents.a.model: required"),
        (
            "[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"\nmodel = \"m\"\napi_key_env = \"OBSERV_TEST_UNSET_KEY\"",
            "agents.a.api_key_env: the environment variable OBSERV_TEST_UNSET_KEY is not set",
        ),
        ("[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"\nmodel = \"m\"\ntemperature = 3", "agents.a.temperature: must be between"),
        ("[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"\nmodel = \"m\"\noutput = \"xml\"", "agents.a.output: must be"),
        ("[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"\nmodel = \"m\"\nuser_template = \"{{item}}\"", "agents.a.user_template: unknown placeholder"),
        ("[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"\nmodel = \"m\"\ncommand = [\"x\"]", "agents.a.command: unknown key for an openai agent"),
        ("[agents.a]\nkind = \"http\"", "agents.a.url: required"),
        ("[agents.a]\nkind = \"http\"\nurl = \"http://x\"\nheaders = \"x\"", "agents.a.headers: must be a table"),
        ("[agents.a]\nkind = \"http\"\nurl = \"http://x\"\nheaders = { X-Key = \"${OBSERV_TEST_UNSET_KEY}\" }", "agents.a.headers.X-Key: the environment variable OBSERV_TEST_UNSET_KEY is not set"),
        ("[prices.m]\ninput_per_million = 1", "prices.m.output_per_million: required"),
        ("[prices.m]\ninput_per_million = -1\noutput_per_million = 1", "prices.m.input_per_million: must not be negative"),
        ("[agents.a]\nkind = \"command\"\ncommand = []", "agents.a.command: must be a non-empty array"),
        ("[agents.a]\nkind = \"command\"\ncommand = [\"x\", 1]", "agents.a.command: must be a non-empty array"),
        (
            "[agents.a]\nkind = \"command\"\ncommand = [\"x\"]\ntimeout_ms = 0",
            "agents.a.timeout_ms: must be a positive",
        ),
        ("[agents.a]\nkind = \"command\"\ncommand = [\"x\"]\nmodel = \"m\"", "agents.a.model: unknown key"),
        ("[agents.a]\nkind = \"command\"\ncommand = [\"x\"]\nenv = \"A\"", "agents.a.env: must be an array of strings"),
        ("[agents.a]\nkind = \"command\"\ncommand = [\"x\"]\nenv = [\"A B\"]", "agents.a.env: `A B` is not an environment"),
        ("[agents.echo]\nkind = \"command\"\ncommand = [\"x\"]", "agents.echo: the name is taken"),
        ("[server]\nport = 1", "server: unknown section"),
    ];
    for (text, expected) in cases {
        let err = agents_from_toml(text).err().unwrap_or_default();
        assert!(err.starts_with(expected), "{text:?} gave {err:?}");
    }
    assert!(agents_from_toml("[agents.a\n").err().unwrap_or_default().contains("line 1"));
}

#[test]
fn reads_openai_and_http_agents_with_prices() {
    std::env::set_var("OBSERV_TEST_TOKEN", "s3cret");
    let registry = agents_from_toml(
        r#"
        [prices."gpt-4o-mini"]
        input_per_million = 0.15
        output_per_million = 0.6

        [agents.gpt]
        kind = "openai"
        base_url = "http://127.0.0.1:11434/v1"
        model = "gpt-4o-mini"
        user_template = "Language of: {{input.text}}"
        temperature = 0
        max_tokens = 20

        [agents.mine]
        kind = "http"
        url = "http://127.0.0.1:8000/agent"
        headers = { Authorization = "Bearer ${OBSERV_TEST_TOKEN}" }
        "#,
    )
    .unwrap();
    let list = registry.list();
    let gpt = list.iter().find(|a| a.name == "gpt").unwrap();
    assert_eq!(gpt.kind, "openai");
    assert_eq!(gpt.description, "Chat completion with gpt-4o-mini at http://127.0.0.1:11434/v1.");
    let mine = list.iter().find(|a| a.name == "mine").unwrap();
    assert_eq!(
        (mine.kind.as_str(), mine.description.as_str()),
        ("http", "POSTs each input as JSON to http://127.0.0.1:8000/agent.")
    );
    assert_eq!(expand_env("a ${OBSERV_TEST_TOKEN} b").unwrap(), "a s3cret b");
    assert!(expand_env("${OBSERV_TEST_TOKEN").unwrap_err().contains("never closed"));
}
