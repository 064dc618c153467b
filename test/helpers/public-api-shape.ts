/**
 * The options of seglog's public API, read from the code with the TypeScript compiler API (never
 * from a hand-kept list), for test/unit/options-effect/: every option that exists must have a test
 * that shows its effect, so an option added tomorrow without one fails a test today.
 *
 * An option is a property of an object a public method takes. Starting from the exports of
 * src/index.ts, every public method of every exported class (static ones such as `Log.open`
 * included, `@internal` ones left out) is looked at; each parameter whose type is an object type
 * declared in src/ (not an array, not a function, not a class instance) contributes its
 * properties, and so does every exported `…Options` type and `TopicConfig` (so an options type
 * exported ahead of the method that takes it counts too). Anonymous object types inside an
 * option's type (`StreamOptions.from`'s `{ timestamp }`) contribute theirs, as
 * `StreamOptions.from.timestamp`; named ones (`LogOptions.fileSystem`'s FileSystem) do not.
 *
 * Each option is keyed by where it is declared, not by the type that reaches it: `LogOptions`
 * extends `Partial<TopicConfig>`, and its `segmentBytes` is `TopicConfig.segmentBytes`, the same
 * key as createTopic's and alterTopicConfig's. An anonymous parameter type is named after its
 * method and parameter: `Partition.sendTo(options).maxBytes` for `sendTo(target, options: { maxBytes?: number })`.
 *
 * With each option come the literal values its type admits (`AppendOptions.acks`: 0, 1, 'all';
 * `TopicConfig.compressionType`: 'none', 'gzip', …), so a new literal needs a test as well.
 * `boolean`'s true/false are not listed: a boolean option's test shows its non-default side.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface PublicOption {
  /** `TopicConfig.segmentBytes`, `LogOptions.clock`, `Partition.sendTo(options).offset`, `StreamOptions.from.timestamp`. */
  key: string
  /** The string and number literals of the option's type, e.g. `['none', 'producer', …]`; empty for `number`, `boolean`, functions. */
  literals: (string | number)[]
}

/** Object types nested inside an option's type are followed this many levels. */
const NESTED_DEPTH_MAX = 3

/**
 * Every option of the public API (see the file header), sorted by key. `entry` can name the index
 * of a copy of src/ (to see the meta-test fail on an option added there); types declared in its
 * directory are the API's own.
 */
export function publicOptions(entry = join(REPO_ROOT, 'src', 'index.ts')): PublicOption[] {
  const srcDir = dirname(entry) + '/'
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(entry)
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source)
  if (moduleSymbol === undefined) throw new Error(`cannot load ${entry} as a module`)

  const options = new Map<string, PublicOption>()
  const seen = new Set<ts.Type>()

  /** The object types (declared in src/, not class instances) a type stands for, through unions and `undefined`. */
  const objectParts = (type: ts.Type): ts.Type[] => {
    if (type.isUnion()) return type.types.flatMap(objectParts)
    if ((type.flags & ts.TypeFlags.Object) === 0 || checker.isArrayType(type) || checker.isTupleType(type)) return []
    if (type.getCallSignatures().length > 0) return [] // a function (`clock`)
    const declarations = type.getSymbol()?.getDeclarations() ?? type.aliasSymbol?.getDeclarations() ?? []
    // Mapped types (`Partial<TopicConfig>`) have no declaration of their own: their properties say where they come from.
    const fromSrc =
      declarations.length === 0
        ? checker.getPropertiesOfType(type).some((p) => p.getDeclarations()?.some((d) => d.getSourceFile().fileName.startsWith(srcDir)))
        : declarations.some((d) => d.getSourceFile().fileName.startsWith(srcDir))
    if (!fromSrc || declarations.some((d) => ts.isClassDeclaration(d))) return []
    return [type]
  }

  const literalsOf = (type: ts.Type): (string | number)[] => {
    const parts = type.isUnion() ? type.types : [type]
    return parts.flatMap((part) => (part.isStringLiteral() || part.isNumberLiteral() ? [part.value] : []))
  }

  const addObject = (type: ts.Type, anonymousName: string, depth: number): void => {
    if (depth > NESTED_DEPTH_MAX || seen.has(type)) return
    seen.add(type)
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = property.getDeclarations()?.[0]
      if (declaration === undefined || isInternal(declaration)) continue
      const key = `${ownerName(declaration.parent, anonymousName)}.${property.getName()}`
      const propertyType = checker.getTypeOfSymbolAtLocation(property, declaration)
      const known = options.get(key)
      const literals = literalsOf(checker.getNonNullableType(propertyType))
      options.set(key, { key, literals: [...new Set([...(known?.literals ?? []), ...literals])] })
      // Only anonymous object types inside an option are part of it; a named one (`fileSystem`'s
      // FileSystem, a seam of methods) is a value the option takes, not more options.
      for (const nested of objectParts(checker.getNonNullableType(propertyType))) {
        if ((nested.getSymbol()?.flags ?? 0) & ts.SymbolFlags.TypeLiteral) addObject(nested, key, depth + 1)
      }
    }
  }

  const addClass = (declaration: ts.ClassDeclaration, className: string): void => {
    for (const member of declaration.members) {
      if (!ts.isMethodDeclaration(member) || member.name === undefined || isInternal(member)) continue
      const modifiers = ts.getCombinedModifierFlags(member)
      if ((modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || ts.isPrivateIdentifier(member.name)) continue
      for (const parameter of member.parameters) {
        const type = checker.getNonNullableType(checker.getTypeAtLocation(parameter))
        const name = `${className}.${member.name.getText()}(${parameter.name.getText()})`
        for (const part of objectParts(type)) addObject(part, name, 1)
      }
    }
  }

  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    for (const declaration of symbol.getDeclarations() ?? []) {
      if (ts.isClassDeclaration(declaration)) addClass(declaration, exported.getName())
    }
    if ((symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) !== 0 && (/Options$/.test(exported.getName()) || exported.getName() === 'TopicConfig')) {
      for (const part of objectParts(checker.getDeclaredTypeOfSymbol(symbol))) addObject(part, exported.getName(), 1)
    }
  }
  return [...options.values()].sort((a, b) => a.key.localeCompare(b.key))
}

/**
 * The name of the type a property is declared in: an interface or type alias by its name, an
 * anonymous type literal by the property or parameter that holds it (`StreamOptions.from`), or, at
 * the top, by the method parameter it was reached through.
 */
function ownerName(node: ts.Node, anonymousName: string): string {
  if (ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) return node.name?.text ?? anonymousName
  if (ts.isTypeAliasDeclaration(node)) return node.name.text
  if (ts.isTypeLiteralNode(node)) {
    let holder: ts.Node = node.parent
    while (ts.isUnionTypeNode(holder) || ts.isParenthesizedTypeNode(holder) || ts.isTypeReferenceNode(holder)) holder = holder.parent
    if (ts.isTypeAliasDeclaration(holder)) return holder.name.text
    if (ts.isPropertySignature(holder) && holder.name !== undefined) return `${ownerName(holder.parent, anonymousName)}.${holder.name.getText()}`
    return anonymousName
  }
  return anonymousName
}

function isInternal(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal')
}
