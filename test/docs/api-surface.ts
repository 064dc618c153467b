/**
 * The names of seglog's public API, read from the code with the TypeScript compiler API — never
 * from a hand-kept list, so a method, option, result field, error code, event or metric added to
 * the code shows up here without anyone remembering to add it.
 *
 * What counts, starting from the exports of src/index.ts:
 * - every export's own name (`Log`, `ReadOptions`, `DEFAULT_TOPIC_CONFIG`, `nativeLoadError`);
 * - every exported class's public members as declared in the class (methods, getters, properties,
 *   static methods, `readonly` constructor parameters; inherited EventEmitter methods are Node's,
 *   not ours), minus members tagged `@internal`;
 * - every exported interface's and type alias's properties, inherited and mapped ones included
 *   (`LogOptions` extends `Partial<TopicConfig>`), and the string literals of exported unions (every
 *   `PublicErrorCode`, `'LogAppendTime'`, `'all'`);
 * - the properties of anonymous object types met on the way: a property's type, a public method's
 *   parameters and its resolved return type (`VerifyReport.damaged[]`, `sendTo`'s options and
 *   result), a few levels deep;
 * - the lifecycle events `Log` emits (`x.emit('roll', { … })` anywhere in src/) with the keys of
 *   their payload, and the diagnostics_channel names (`channel('seglog:append')`) with the keys of
 *   every object published (`x.publish({ … })`);
 * - the environment variables src/ reads as `process.env.NAME`.
 */
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** One public name and where the code defines it (for the failure message). */
export interface ApiName {
  name: string
  /** e.g. `Partition.read`, `ReadOptions.maxWaitMs`, `event 'roll'`. */
  where: string
}

/** Anonymous object types are followed this many levels below a named type or a method. */
const ANONYMOUS_DEPTH_MAX = 3

export function publicApiNames(): ApiName[] {
  const entry = join(REPO_ROOT, 'src', 'index.ts')
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    // Node's own types are left out: the walk reads seglog's declarations only, and loading
    // @types/node more than doubled the test's time (3.8 s → 1.5 s) for the same names.
    types: [],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(entry)
  if (source === undefined) throw new Error(`cannot load ${entry}`)
  const moduleSymbol = checker.getSymbolAtLocation(source)
  if (moduleSymbol === undefined) throw new Error(`${entry} is not a module`)

  const names: ApiName[] = []
  const seenTypes = new Set<ts.Type>()
  const add = (name: string, where: string): void => {
    names.push({ name, where })
  }

  /** Properties of an anonymous object type (and its unions/arrays/promises), recursively. */
  const addAnonymous = (type: ts.Type, where: string, depth: number): void => {
    if (depth > ANONYMOUS_DEPTH_MAX || seenTypes.has(type)) return
    seenTypes.add(type)
    if (type.isUnionOrIntersection()) {
      for (const part of type.types) addAnonymous(part, where, depth)
      return
    }
    const typeArguments = checker.getTypeArguments(type as ts.TypeReference)
    const symbolName = type.getSymbol()?.getName()
    if ((symbolName === 'Array' || symbolName === 'ReadonlyArray' || symbolName === 'Promise') && typeArguments.length > 0) {
      for (const argument of typeArguments) addAnonymous(argument, where, depth)
      return
    }
    if (checker.isTupleType(type)) return
    const symbol = type.getSymbol()
    if (symbol === undefined || (symbol.flags & (ts.SymbolFlags.TypeLiteral | ts.SymbolFlags.ObjectLiteral)) === 0) return
    for (const property of checker.getPropertiesOfType(type)) {
      const propertyWhere = `${where}.${property.getName()}`
      add(property.getName(), propertyWhere)
      const declaration = property.valueDeclaration ?? property.declarations?.[0]
      if (declaration !== undefined) addAnonymous(checker.getTypeOfSymbolAtLocation(property, declaration), propertyWhere, depth + 1)
    }
  }

  const addProperties = (type: ts.Type, owner: string): void => {
    for (const property of checker.getPropertiesOfType(type)) {
      const where = `${owner}.${property.getName()}`
      add(property.getName(), where)
      const declaration = property.valueDeclaration ?? property.declarations?.[0]
      if (declaration !== undefined) addAnonymous(checker.getTypeOfSymbolAtLocation(property, declaration), where, 1)
    }
  }

  const addStringLiterals = (type: ts.Type, owner: string): void => {
    const parts = type.isUnion() ? type.types : [type]
    for (const part of parts) if (part.isStringLiteral()) add(part.value, `${owner} '${part.value}'`)
  }

  const addSignatures = (node: ts.SignatureDeclaration, where: string): void => {
    const signature = checker.getSignatureFromDeclaration(node)
    if (signature === undefined) return
    for (const parameter of signature.getParameters()) {
      const declaration = parameter.valueDeclaration
      if (declaration !== undefined) addAnonymous(checker.getTypeOfSymbolAtLocation(parameter, declaration), `${where}(${parameter.getName()})`, 1)
    }
    addAnonymous(checker.getReturnTypeOfSignature(signature), `${where}()`, 1)
  }

  const addClass = (declaration: ts.ClassDeclaration, className: string): void => {
    for (const member of declaration.members) {
      if (ts.isConstructorDeclaration(member)) {
        for (const parameter of member.parameters) {
          const modifiers = ts.getCombinedModifierFlags(parameter)
          if ((modifiers & (ts.ModifierFlags.Public | ts.ModifierFlags.Readonly)) === 0) continue
          if ((modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || isInternal(parameter)) continue
          add(parameter.name.getText(), `${className}#${parameter.name.getText()}`)
        }
        continue
      }
      if (member.name === undefined || ts.isPrivateIdentifier(member.name) || ts.isClassStaticBlockDeclaration(member)) continue
      const modifiers = ts.getCombinedModifierFlags(member as ts.Declaration)
      if ((modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || isInternal(member)) continue
      // `[Symbol.asyncDispose]` is documented as `Symbol.asyncDispose`.
      const name = ts.isComputedPropertyName(member.name) ? member.name.expression.getText() : member.name.getText()
      const where = `${className}${(modifiers & ts.ModifierFlags.Static) !== 0 ? '.' : '#'}${name}`
      add(name, where)
      if (ts.isMethodDeclaration(member) || ts.isGetAccessorDeclaration(member)) addSignatures(member, where)
      else if (ts.isPropertyDeclaration(member)) addAnonymous(checker.getTypeAtLocation(member), where, 1)
    }
  }

  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const exportName = exported.getName()
    add(exportName, `export ${exportName}`)
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    for (const declaration of symbol.declarations ?? []) {
      if (ts.isClassDeclaration(declaration)) addClass(declaration, exportName)
    }
    if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
      const type = checker.getDeclaredTypeOfSymbol(symbol)
      addStringLiterals(type, exportName)
      if (!type.isUnion()) addProperties(type, exportName)
    } else if (symbol.flags & ts.SymbolFlags.Variable && symbol.valueDeclaration !== undefined) {
      addProperties(checker.getTypeOfSymbolAtLocation(symbol, symbol.valueDeclaration), exportName)
    }
  }

  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || !file.fileName.startsWith(join(REPO_ROOT, 'src') + '/')) continue
    addEmitted(file, relative(REPO_ROOT, file.fileName), add)
  }
  return names
}

function isInternal(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal')
}

function objectLiteralKeys(node: ts.Expression | undefined): string[] {
  if (node === undefined || !ts.isObjectLiteralExpression(node)) return []
  const keys: string[] = []
  for (const property of node.properties) {
    if ((ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property)) && !ts.isComputedPropertyName(property.name)) {
      keys.push(property.name.getText())
    }
  }
  return keys
}

/** Events (`x.emit('name', {…})`), channels (`channel('seglog:…')`, `x.publish({…})`), `process.env.NAME`. */
function addEmitted(file: ts.SourceFile, path: string, add: (name: string, where: string) => void): void {
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression
      const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : ''
      const [first, second] = node.arguments
      if (method === 'emit' && first !== undefined && ts.isStringLiteralLike(first)) {
        add(first.text, `event '${first.text}' (${path})`)
        for (const key of objectLiteralKeys(second)) add(key, `event '${first.text}' payload .${key} (${path})`)
      } else if (method === 'channel' && first !== undefined && ts.isStringLiteralLike(first) && first.text.startsWith('seglog:')) {
        add(first.text, `diagnostics channel (${path})`)
      } else if (method === 'publish') {
        for (const key of objectLiteralKeys(first)) add(key, `diagnostics message .${key} (${path})`)
      }
    } else if (
      ts.isPropertyAccessExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.getText() === 'process.env'
    ) {
      add(node.name.text, `environment variable (${path})`)
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
}
