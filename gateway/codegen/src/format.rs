//! Generated Rust as text: formatted, items spaced (a leaf the generators
//! import).

/// Generated Rust, formatted. prettyplease, not rustfmt: its output does not
/// change with the toolchain, so a snapshot stays put.
pub fn format_rust(tokens: proc_macro2::TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).unwrap_or_else(|e| panic!("generated Rust does not parse: {e}"));
    spaced(&prettyplease::unparse(&file))
}

/// A blank line after each top-level item and after the `use` block, which
/// prettyplease leaves out.
fn spaced(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for (n, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let next = lines.get(n + 1).copied().unwrap_or("");
        let top = (!line.starts_with([' ', '}', '/', '#']) || *line == "}") && !line.is_empty();
        let item_end = top && (line.ends_with('}') || line.ends_with(';')) && !line.starts_with("use ");
        let uses_end = line.starts_with("use ") && !next.starts_with("use ");
        if (item_end || uses_end) && !next.is_empty() {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn items_are_separated_by_a_blank_line() {
        let text = super::format_rust(quote::quote! {
            use a::b;
            use c::d;
            const X: u8 = 1;
            fn f() {}
            impl T for U {}
        });
        assert_eq!(text, "use a::b;\nuse c::d;\n\nconst X: u8 = 1;\n\nfn f() {}\n\nimpl T for U {}\n");
    }
}
