/**
 * The package's public surface as the type checker sees it: for every entry in package.json `exports`,
 * each exported name with what it is (value, type or both) and its type, spelled out member by member
 * for interfaces and object types. A refactor that moves code between modules must leave this unchanged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export type PublicApi = Record<string, Record<string, string>>;

export function readPublicApi(root: string): PublicApi {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, { source: string }>;
  };
  const entries = Object.entries(pkg.exports).map(
    ([name, target]) => [name, join(root, target.source)] as const,
  );
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram(
    entries.map(([, file]) => file),
    { ...config.options, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const flags = ts.TypeFormatFlags.NoTruncation;
  const api: PublicApi = {};
  for (const [name, file] of entries) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${file} has no module symbol`);
    const surface: Record<string, string> = {};
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      surface[exported.name] = describe(checker, symbol, flags);
    }
    api[name] = Object.fromEntries(Object.entries(surface).sort(([a], [b]) => a.localeCompare(b)));
  }
  return api;
}

function describe(checker: ts.TypeChecker, symbol: ts.Symbol, flags: ts.TypeFormatFlags): string {
  const parts: string[] = [];
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (symbol.flags & ts.SymbolFlags.Value && declaration) {
    parts.push(
      `value: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, declaration), undefined, flags)}`,
    );
  }
  if (symbol.flags & ts.SymbolFlags.Type) {
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    // Members are spelled out for interfaces, classes and object types, not for unions of literals,
    // arrays or tuples, whose members are the language's own.
    const structural =
      type.flags & ts.TypeFlags.Object && !checker.isArrayType(type) && !checker.isTupleType(type);
    const members = (structural ? checker.getPropertiesOfType(type) : [])
      .filter((member) => !member.name.startsWith('#') && !member.name.startsWith('__@'))
      .map((member) => {
        const at = member.valueDeclaration ?? member.declarations?.[0];
        const memberType = at
          ? checker.typeToString(checker.getTypeOfSymbolAtLocation(member, at), undefined, flags)
          : '?';
        const optional = member.flags & ts.SymbolFlags.Optional ? '?' : '';
        return `${member.name}${optional}: ${memberType}`;
      })
      .sort();
    parts.push(
      `type: ${checker.typeToString(type, undefined, flags)}${members.length ? ` { ${members.join('; ')} }` : ''}`,
    );
  }
  // Where a module path shows in a type (an inline `import("...")`), only the name matters.
  return (parts.join(' | ') || 'namespace').replace(/import\("[^"]*"(, \{[^)]*\})?\)\./g, '');
}
